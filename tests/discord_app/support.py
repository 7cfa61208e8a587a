"""Helpers for the end-to-end tests: pick inputs from the knowledge, read recorded bodies."""

from __future__ import annotations

from typing import Any

from fakediscord import FakeDiscord
from fakediscord.server import message_bodies

from bot.core.result import Outcome
from bot.core.service import AnswerService

UNANSWERABLE = "what is the capital of mongolia"


def pick(service: AnswerService, outcome: Outcome, *, variants: bool = False) -> str:
    """A question the service decides as `outcome` (with per-surface variants if asked)."""
    tried: list[str] = []
    for entry in service.knowledge.entries.values():
        for question in entry.questions:
            words = question.split()
            tried += [question, words[-1], " ".join(words[:2])]
    for question in tried:
        result = service.ask(question)
        if result.outcome == outcome and result.varies_by_surface == variants:
            return question
    raise AssertionError(f"no question in the knowledge gives {outcome} (variants={variants})")


def assert_no_pings(fake: FakeDiscord) -> None:
    """Every message was sent with mentions disabled (parse == [], no replied user)."""
    bodies = message_bodies(fake)
    for body in bodies:
        allowed = body.get("allowed_mentions")
        assert allowed is not None, body
        assert allowed.get("parse") == [], allowed
        assert not allowed.get("users") and not allowed.get("roles")
        assert not allowed.get("replied_user")


def quote_field(embed: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in embed["fields"] if f["value"].startswith("> "))
