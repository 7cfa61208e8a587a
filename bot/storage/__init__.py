"""Storage behind a small domain-shaped protocol.

Front ends depend on `Storage` and the row dataclasses only; `open_storage` picks the backend
from the settings, so nothing outside this package names SQLite.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.settings import Settings
from bot.storage.base import (
    MAX_QUESTION_CHARS,
    Alias,
    FeedbackReason,
    FeedbackTally,
    GapEvent,
    GapGroup,
    GapNotFound,
    GapNotOpen,
    GapOutcome,
    GapRecord,
    GapStatus,
    GuildConfig,
    QuestionCount,
    ScoredCandidate,
    Stats,
    Storage,
    StoredGapEvent,
    Vote,
    as_utc,
)
from bot.storage.hashing import UserHasher

__all__ = [
    "MAX_QUESTION_CHARS",
    "Alias",
    "FeedbackReason",
    "FeedbackTally",
    "GapEvent",
    "GapGroup",
    "GapNotFound",
    "GapNotOpen",
    "GapOutcome",
    "GapRecord",
    "GapStatus",
    "GuildConfig",
    "QuestionCount",
    "ScoredCandidate",
    "Stats",
    "Storage",
    "StoredGapEvent",
    "UserHasher",
    "Vote",
    "open_storage",
    "purge_expired",
]


def open_storage(settings: Settings) -> Storage:
    """The configured backend, not yet opened: use `async with open_storage(s) as storage`.

    `POLICYBOT_DB=:memory:` selects the in-memory backend (tests, throwaway runs); anything
    else is a SQLite file (default `<data_dir>/policybot.sqlite3`).
    """
    if str(settings.database) == ":memory:":
        from bot.storage.memory import MemoryStorage

        return MemoryStorage()
    from bot.storage.sqlite import SQLiteStorage

    return SQLiteStorage(settings.database)


async def purge_expired(storage: Storage, retention_days: int, now: datetime | None = None) -> int:
    """Apply the retention period (`POLICYBOT_RETENTION_DAYS`): the one call both the bot's
    periodic task and `policybot purge` make, so they cannot disagree on the cut-off."""
    if retention_days < 1:
        raise ValueError("retention must be at least one day")
    return await storage.purge(as_utc(now) - timedelta(days=retention_days))
