"""`Records` question counts: buffered in memory, written in batches, never lost on a clean stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from unittest.mock import AsyncMock

import pytest

from bot.core.result import Outcome, Result
from bot.discord_app import records as records_module
from bot.discord_app.records import Asker, Records
from bot.errors import StorageUnavailable
from bot.knowledge.model import Knowledge
from bot.storage.memory import MemoryStorage

ASKER = Asker(user_id=42, guild_id=7, channel_id=9)


def answer(knowledge: Knowledge) -> Result:
    entry = next(iter(knowledge.entries.values()))
    return Result("q", Outcome.ANSWER, entry=entry, score=90.0, surface="web")


NONE = Result("nothing matches", Outcome.NONE)


@pytest.fixture
async def storage() -> AsyncIterator[MemoryStorage]:
    async with MemoryStorage() as opened:
        yield opened


async def test_a_count_waits_in_memory_with_the_time_it_was_asked(
    storage: MemoryStorage, fixture_knowledge: Knowledge
) -> None:
    records = Records(storage, count_flush_seconds=3600)
    before = datetime.now(UTC)
    await records.count(answer(fixture_knowledge), ASKER)
    await records.count(NONE, ASKER)
    assert records.pending_counts == 2
    assert (await storage.stats()).questions == 0

    await records.flush_counts()
    assert records.pending_counts == 0
    stats = await storage.stats()
    assert (stats.questions, stats.answered, stats.unanswered) == (2, 1, 1)
    stamped = [row[0] for row in storage._questions]
    assert all(before <= at <= datetime.now(UTC) for at in stamped)
    entry = next(iter(fixture_knowledge.entries))
    assert [row[1:] for row in storage._questions] == [
        ("answer", entry, "web", 7),
        ("none", None, None, 7),
    ]


async def test_counts_are_written_together_after_the_window(storage: MemoryStorage) -> None:
    spy = AsyncMock(wraps=storage.record_questions)
    storage.record_questions = spy  # type: ignore[method-assign]
    records = Records(storage, count_flush_seconds=0.05)
    for _ in range(5):
        await records.count(NONE, ASKER)
    assert spy.await_count == 0
    await asyncio.sleep(0.2)
    assert spy.await_count == 1, "one transaction for the whole window"
    assert len(spy.await_args.args[0]) == 5
    assert (await storage.stats()).questions == 5


async def test_a_full_buffer_is_written_without_waiting(
    storage: MemoryStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_module, "COUNT_FLUSH_ROWS", 3)
    records = Records(storage, count_flush_seconds=3600)
    for _ in range(3):
        await records.count(NONE, ASKER)
    assert records.pending_counts == 0
    assert (await storage.stats()).questions == 3


async def test_zero_seconds_writes_every_count_at_once(storage: MemoryStorage) -> None:
    records = Records(storage, count_flush_seconds=0)
    await records.count(NONE, ASKER)
    assert (await storage.stats()).questions == 1


async def test_close_writes_what_is_buffered_after_a_write_under_way(
    storage: MemoryStorage,
) -> None:
    release = asyncio.Event()
    original = storage.record_questions

    async def slow(counts: object) -> None:
        await release.wait()
        await original(counts)  # type: ignore[arg-type]

    storage.record_questions = slow  # type: ignore[method-assign]
    records = Records(storage, count_flush_seconds=0.01)
    await records.count(NONE, ASKER)
    await asyncio.sleep(0.05)  # the timed write has started and is waiting
    await records.count(NONE, ASKER)
    closing = asyncio.create_task(records.close())
    await asyncio.sleep(0.05)
    assert not closing.done(), "close waits for the write under way"
    release.set()
    await closing
    assert (await storage.stats()).questions == 2
    assert records.pending_counts == 0


async def test_without_storage_nothing_is_buffered() -> None:
    records = Records(None)
    await records.count(NONE, ASKER)
    assert records.pending_counts == 0
    await records.close()


async def test_a_failed_write_drops_the_batch_and_warns_once(
    storage: MemoryStorage, caplog: pytest.LogCaptureFixture
) -> None:
    records = Records(storage, count_flush_seconds=3600)
    storage.record_questions = AsyncMock(  # type: ignore[method-assign]
        side_effect=StorageUnavailable("database error: OperationalError: disk is full")
    )
    caplog.set_level(logging.DEBUG)
    for _ in range(2):
        await records.count(NONE, ASKER)
        await records.flush_counts()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "storage unavailable" in warnings[0].getMessage()
    assert records.pending_counts == 0, "a dead database does not grow the buffer"
    assert records.storage_down


async def test_a_message_that_asks_nothing_is_no_gap(storage: MemoryStorage) -> None:
    # "yes" or "ok" in reply to the bot: nothing for curators to close.
    records = Records(storage, count_flush_seconds=3600)
    assert await records.gap(Result("yes", Outcome.NONE, unasked=True), ASKER) is None
    assert await storage.count_gaps("open", None) == 0
    assert await records.gap(NONE, ASKER) is not None
    assert await storage.count_gaps("open", None) == 1
