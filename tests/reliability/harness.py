"""Helpers for the reliability tests: start the real bot in-process with chosen settings,
check every message the fake received, and drive `policybot run` as a subprocess.

Kept apart from `tests/discord_app` (whose fixtures pin the cooldown off) because these
tests need the guards, storage and timings under their own control.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakediscord import payloads
from fakediscord.faults import FaultyDiscord
from fakediscord.running import started
from fakediscord.server import Interaction, message_bodies

from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.discord_app.client import PolicyBot, ShardedPolicyBot, create_bot
from bot.knowledge.model import Knowledge
from bot.settings import Settings

TOKEN = "reliability.bot-token.0123456789abcdef"
HASH_KEY = b"reliability-test-hash-key-32bytes"
POLICYBOT = shutil.which("policybot", path=str(Path(sys.executable).parent))

#: Discord's documented embed limits, checked on every message the bot sent.
EMBED_LIMITS = {"title": 256, "description": 4096, "footer": 2048, "author": 256}
FIELD_NAME_MAX, FIELD_VALUE_MAX, FIELDS_MAX, EMBED_TOTAL_MAX, CONTENT_MAX = (
    256,
    1024,
    25,
    6000,
    2000,
)


@dataclass
class Bot:
    """A started bot with its fake Discord, service and (optional) storage."""

    bot: PolicyBot | ShardedPolicyBot
    fake: FaultyDiscord
    service: AnswerService
    storage: Any = None
    settings: Settings = field(default_factory=Settings)


@contextlib.asynccontextmanager
async def start_bot(
    fake: FaultyDiscord,
    knowledge: Knowledge,
    *,
    storage: object | None = None,
    **overrides: Any,
) -> AsyncIterator[Bot]:
    """Start the real bot in-process against `fake` with `Settings` overrides."""
    settings = Settings(
        token=TOKEN,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        sync_guilds=(fake.guild_id,),
        hash_key=HASH_KEY,
        **overrides,
    )
    service = AnswerService(knowledge)
    bot = create_bot(settings, service, storage, guild_ready_timeout=0.05)
    async with started(bot, TOKEN, ready_within=15):
        yield Bot(bot, fake, service, storage, settings)


def member(n: int) -> dict[str, Any]:
    """A distinct guild member (its own user id), for per-user limits."""
    return payloads.user(payloads.snowflake() + n, f"member{n}")


def questions(service: AnswerService, outcome: Outcome, count: int) -> list[str]:
    """`count` distinct questions from the knowledge the service decides as `outcome`."""
    found: list[str] = []
    seen: set[str] = set()
    for entry in service.knowledge.entries.values():
        for question in entry.questions:
            if question in seen:
                continue
            seen.add(question)
            result = service.ask(question)
            if result.outcome == outcome and not result.variants:
                found.append(question)
                if len(found) == count:
                    return found
    raise AssertionError(f"only {len(found)} questions give {outcome}")


#: Words no policy mentions, so these questions are gaps (outcome "none") for any knowledge.
_NONSENSE = (
    "volcano",
    "giraffe",
    "saxophone",
    "pancake",
    "glacier",
    "tugboat",
    "marmalade",
    "cathedral",
    "kangaroo",
    "trombone",
    "lighthouse",
    "origami",
    "avalanche",
    "porcupine",
    "zeppelin",
    "accordion",
    "cactus",
    "meteor",
    "walrus",
    "bagpipe",
)


def unanswerable(service: AnswerService, count: int) -> list[str]:
    """`count` distinct questions that each record a gap (none or suggest)."""
    out: list[str] = []
    for a in _NONSENSE:
        for b in _NONSENSE:
            if a == b:
                continue
            question = f"how heavy is a {a} riding a {b}"
            if service.ask(question).outcome != Outcome.ANSWER:
                out.append(question)
                if len(out) == count:
                    return out
    raise AssertionError("not enough unanswerable questions")


def embed_problems(embed: dict[str, Any]) -> list[str]:
    problems = []
    for key, limit in EMBED_LIMITS.items():
        value = embed.get(key)
        if isinstance(value, dict):
            value = value.get("text" if key == "footer" else "name", "")
        text = value or ""
        if len(text) > limit:
            problems.append(f"{key} is {len(text)} > {limit}")
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_MAX:
        problems.append(f"{len(fields)} fields")
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text", ""))
    total += len((embed.get("author") or {}).get("name", ""))
    for f in fields:
        if not f["name"] or len(f["name"]) > FIELD_NAME_MAX:
            problems.append(f"field name {len(f['name'])}")
        if not f["value"] or len(f["value"]) > FIELD_VALUE_MAX:
            problems.append(f"field value {len(f['value'])}")
        total += len(f["name"]) + len(f["value"])
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embed total {total} > {EMBED_TOTAL_MAX}")
    return problems


def check_messages(fake: FaultyDiscord) -> list[str]:
    """Problems in what the bot sent: any possible ping, any embed over a limit."""
    problems = []
    for body in message_bodies(fake):
        allowed = body.get("allowed_mentions")
        pings = allowed is None or allowed.get("parse") != []
        if pings or allowed.get("users") or allowed.get("roles") or allowed.get("replied_user"):
            problems.append(f"allowed_mentions {allowed!r}")
        if len(body.get("content") or "") > CONTENT_MAX:
            problems.append("content over 2000")
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            problems.append("more than 10 embeds")
        for embed in embeds:
            problems += embed_problems(embed)
    return problems


# ----------------------------------------------------------------------------- subprocess
def command(*args: str) -> list[str]:
    """`policybot ARGS` via the installed script (or `python -m bot`)."""
    return [POLICYBOT, *args] if POLICYBOT else [sys.executable, "-m", "bot", *args]


def subprocess_env(fake: FaultyDiscord | None, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYBOT_", "DISCORD_"))}
    env["POLICYBOT_DATA_DIR"] = str(data_dir)
    env["DISCORD_TOKEN"] = TOKEN
    if fake is not None:
        env.update(fake.env())
        env["POLICYBOT_SYNC_GUILDS"] = str(fake.guild_id)
    env.update(extra)
    return env


async def reply_text(fake: FaultyDiscord, inter: Interaction, within: float = 10.0) -> str:
    return (await fake.reply(inter, within)).text()
