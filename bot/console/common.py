"""Shared start-up for console commands: settings, knowledge, service."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from bot.core.match_settings import MatchSettings, parse_assignment
from bot.core.service import AnswerService
from bot.errors import ConfigError
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.knowledge.model import Knowledge
from bot.settings import Settings


def knowledge_dir(override: str | None) -> Path:
    """The argument if given, else POLICYBOT_KNOWLEDGE, else the bundled knowledge."""
    return Path(override) if override else Settings.from_env().knowledge


def load_knowledge_from(override: str | None = None) -> Knowledge:
    directory = knowledge_dir(override)
    try:
        return load_knowledge(directory)
    except KnowledgeError as exc:
        raise ConfigError(f"the knowledge in {directory} does not load:\n{exc}") from exc


def settings_for(knowledge: Knowledge, overrides: Iterable[tuple[str, object]] = ()
                 ) -> MatchSettings:
    """The matcher settings a run uses: defaults, then matching.yaml, then `--set`."""
    return MatchSettings().with_overrides(knowledge.matching).with_overrides(dict(overrides))


def load_service(override: str | None = None,
                 overrides: Iterable[tuple[str, object]] = ()) -> AnswerService:
    knowledge = load_knowledge_from(override)
    overrides = tuple(overrides)
    # Without `--set` the service follows matching.yaml itself (and again on reload).
    return AnswerService(knowledge, settings_for(knowledge, overrides) if overrides else None)


def _assignment(text: str) -> tuple[str, object]:
    try:
        return parse_assignment(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """`--set NAME=VALUE`: try a matcher setting for this run only (repeatable)."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], type=_assignment,
        metavar="NAME=VALUE",
        help="override a matcher setting for this run, e.g. answer_threshold=60 "
             "(repeatable; applied over the knowledge's matching.yaml)")
