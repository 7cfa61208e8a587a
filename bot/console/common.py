"""Shared start-up for console commands: settings, knowledge, service."""

from __future__ import annotations

from pathlib import Path

from bot.core.service import AnswerService
from bot.errors import ConfigError
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.settings import Settings


def knowledge_dir(override: str | None) -> Path:
    """The argument if given, else POLICYBOT_KNOWLEDGE, else the bundled knowledge."""
    return Path(override) if override else Settings.from_env().knowledge


def load_service(override: str | None = None) -> AnswerService:
    directory = knowledge_dir(override)
    try:
        knowledge = load_knowledge(directory)
    except KnowledgeError as exc:
        raise ConfigError(f"the knowledge in {directory} does not load:\n{exc}") from exc
    return AnswerService(knowledge)
