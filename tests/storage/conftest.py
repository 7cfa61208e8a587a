"""Fixtures shared by the storage tests: every backend, opened fresh per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.base import Storage
from bot.storage.memory import MemoryStorage
from bot.storage.sqlite import SQLiteStorage

BACKENDS = ("memory", "sqlite")
#: A fixed "now" so ordering and retention tests do not depend on the wall clock.
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_storage(kind: str, tmp_path: Path) -> Storage:
    """A not-yet-opened backend of `kind`; new backends join `BACKENDS` here."""
    if kind == "memory":
        return MemoryStorage()
    if kind == "sqlite":
        return SQLiteStorage(tmp_path / "data" / "policybot.sqlite3")
    raise ValueError(kind)


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    async with make_storage(request.param, tmp_path) as opened:
        yield opened
