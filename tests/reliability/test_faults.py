"""Faults around the bot: knowledge reloads under load, a dropped gateway, rate limits and
server errors from Discord, and a database that stops accepting writes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fakediscord import server
from fakediscord.faults import FaultyDiscord
from harness import member, questions, start_bot, unanswerable

from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.discord_app import respond
from bot.errors import StorageUnavailable
from bot.knowledge.loader import load_knowledge
from bot.knowledge.locate import bundled_knowledge_dir
from bot.knowledge.model import Knowledge
from bot.storage.sqlite import SQLiteStorage

OLD_TEXT = "Old answer text, served before the reload."
NEW_TEXT = "New answer text, served after the reload."
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"


# ----------------------------------------------------------------------------- reload
def two_versions(knowledge: Knowledge, entry_id: str) -> tuple[Knowledge, Knowledge]:
    """The same knowledge twice, differing in one entry's answer and its source's date."""

    def version(text: str, verified: str) -> Knowledge:
        entry = dataclasses.replace(knowledge.entries[entry_id], answer=text)
        source = dataclasses.replace(knowledge.sources[entry.source], verified=verified)
        return dataclasses.replace(
            knowledge,
            entries=Knowledge.freeze({**knowledge.entries, entry_id: entry}),
            sources=Knowledge.freeze({**knowledge.sources, source.id: source}),
            version=text,
        )

    return version(OLD_TEXT, "2001-01-01"), version(NEW_TEXT, "2002-02-02")


async def test_500_questions_during_a_reload_each_wholly_old_or_new(
    fake: FaultyDiscord, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake's OpenAPI check costs ~50 ms per answer card; 500 of them would make this
    # test about the fake's speed. Reply shapes are validated by every other test.
    monkeypatch.setattr(server, "validate_body", lambda route, method, body: [])
    probe = AnswerService(knowledge)
    question = questions(probe, Outcome.ANSWER, 1)[0]
    entry_id = probe.ask(question).entry.id
    old, new = two_versions(knowledge, entry_id)
    async with start_bot(fake, old, cooldown_seconds=0, duplicate_window_seconds=0) as run:
        inters = []
        in_flight = 0
        for i in range(500):
            inters.append(await fake.slash("ask", user=member(i), question=question))
            await asyncio.sleep(0)  # one loop turn: the bot reads the frame and matches
            if i == 249:
                in_flight = 250 - len(fake.acknowledged())
                run.service.reload(new)
        replies = await asyncio.gather(*(fake.reply(x, 60) for x in inters))
    versions: Counter[str] = Counter()
    for reply in replies:
        embed = reply.embed
        has_old, has_new = OLD_TEXT in embed["description"], NEW_TEXT in embed["description"]
        assert has_old != has_new, embed["description"]
        date = "2001-01-01" if has_old else "2002-02-02"
        assert f"verified {date}" in embed["footer"]["text"], "answer and source from two versions"
        versions["old" if has_old else "new"] += 1
    assert in_flight > 0, "the reload should land while earlier questions are unacknowledged"
    assert versions["old"] >= 1 and versions["new"] >= 250, versions
    print(f"reload under load: {dict(versions)}, {in_flight} unacknowledged at the reload")


async def test_kb_reload_with_broken_yaml_keeps_serving_and_a_good_one_applies(
    fake: FaultyDiscord, tmp_path: Path
) -> None:
    """Through `/kb reload` (the curation cog) while questions keep arriving."""
    folder = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), folder)
    knowledge = load_knowledge(folder)
    probe = AnswerService(knowledge)
    asked = questions(probe, Outcome.ANSWER, 40)
    async with start_bot(
        fake, knowledge, knowledge_dir=folder, cooldown_seconds=0, duplicate_window_seconds=0
    ) as run:
        if run.bot.get_cog("Curation") is None:
            pytest.skip("the curation cog (/kb reload) is not loaded in this tree")
        manager = ("32", ())  # Manage Server
        entries = folder / "entries"
        victim = sorted(entries.glob("*.yaml"))[0]
        good = victim.read_text(encoding="utf-8")
        victim.write_text(good + "\n  - : [unclosed\n", encoding="utf-8")
        before = [await fake.slash("ask", user=member(i), question=q) for i, q in enumerate(asked)]
        refused = await fake.reply(await fake.slash("kb reload", as_member=manager), 30)
        after = [await fake.slash("ask", user=member(100 + i), question=asked[i]) for i in range(5)]
        replies = await asyncio.gather(*(fake.reply(x, 30) for x in before + after))
        assert run.service.knowledge.version == knowledge.version
        assert all(r.embeds for r in replies), "every question still answered"
        assert "problem" in refused.text().lower() or "kept" in refused.text().lower()
        victim.write_text(good, encoding="utf-8")
        await fake.reply(await fake.slash("kb reload", as_member=manager), 30)


# ----------------------------------------------------------------------------- gateway
async def test_gateway_dropped_mid_burst_resumes_and_answers_next(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with start_bot(fake, knowledge, cooldown_seconds=0) as run:
        asked = questions(run.service, Outcome.ANSWER, 21)
        burst = [
            await fake.slash("ask", user=member(i), question=q) for i, q in enumerate(asked[:20])
        ]
        await fake.drop_connections(4000)
        await fake.wait_for(lambda: fake.resumes, 15)
        await fake.wait_ready(within=15)
        replies = await asyncio.gather(*(fake.reply(x, 15) for x in burst))
        assert all(r.embeds for r in replies)
        after = await fake.reply(
            await fake.slash("ask", user=member(99), question=asked[20]), within=15
        )
        assert after.embed["title"] == run.service.ask(asked[20]).entry.title
        # A second drop ("session timed out"): discord.py resumes again from its last seq.
        resumes = len(fake.resumes)
        await fake.drop_connections(4009)
        await fake.wait_for(lambda: len(fake.resumes) > resumes, 20)
        await fake.wait_ready(within=15)
        again = await fake.reply(await fake.slash("sources", user=member(98)), within=15)
        assert again.embed["title"] == "Sources"


# ----------------------------------------------------------------------------- REST faults
async def test_429_with_retry_after_on_the_callback_is_waited_out(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with start_bot(fake, knowledge) as run:
        question = questions(run.service, Outcome.ANSWER, 1)[0]
        limited = fake.inject("POST", CALLBACK, 429, retry_after=0.3, times=2)
        loop = asyncio.get_running_loop()
        started = loop.time()
        reply = await fake.reply(await fake.slash("ask", question=question), within=10)
        assert len(limited.hits) == 2 and loop.time() - started >= 0.6
        assert reply.embed["title"] == run.service.ask(question).entry.title
        callbacks = [r for r in reply.requests if r.route == CALLBACK]
        assert len(callbacks) == 1, "acknowledged exactly once after the retries"


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_on_the_followup_still_delivers_the_reply(
    fake: FaultyDiscord, knowledge: Knowledge, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slow-database path: deferred, then the followup hits a server error and retries."""
    monkeypatch.setattr(respond, "RECORD_BUDGET", 0.0)
    async with (
        SQLiteStorage(":memory:") as storage,
        start_bot(fake, knowledge, storage=storage) as run,
    ):
        record_gap = storage.record_gap

        async def slow_record_gap(*args: object, **kwargs: object) -> object:
            await asyncio.sleep(0.3)
            return await record_gap(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(storage, "record_gap", slow_record_gap)
        failing = fake.inject("POST", FOLLOWUP, status, times=1)
        asked = unanswerable(run.service, 1)[0]
        reply = await fake.reply(await fake.slash("ask", question=asked), within=15)
        assert reply.callback_type == 5 and len(failing.hits) == 1
        assert reply.embed["title"] == "No sourced answer yet"
        assert len([r for r in reply.requests if r.route == FOLLOWUP]) == 1


async def test_429_on_a_mention_reply_is_waited_out(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with start_bot(fake, knowledge) as run:
        question = questions(run.service, Outcome.ANSWER, 1)[0]
        limited = fake.inject("POST", "/channels/{channel_id}/messages", 429, retry_after=0.2)
        message = await fake.post_message(f"<@{fake.bot_user['id']}> {question}", mention_bot=True)
        sent = await fake.channel_reply(message, within=10)
        assert len(limited.hits) == 1
        assert sent.body["embeds"][0]["title"] == run.service.ask(question).entry.title


# ----------------------------------------------------------------------------- database down
class Outage:
    """Makes a real SQLite database refuse writes: read-only, or a full disk.

    Read-only is SQLite's own `query_only` switch, so the real error path runs. A full disk
    cannot be produced reliably (rows keep fitting into partly used pages), so it is the
    `StorageUnavailable` the backend raises for SQLITE_FULL, from every transaction.
    """

    def __init__(self, storage: SQLiteStorage, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.storage, self.how, self.monkeypatch = storage, how, monkeypatch

    async def _pragma(self, sql: str) -> None:
        conn = self.storage._conn
        assert conn is not None
        await conn.execute(sql)

    async def start(self) -> None:
        if self.how == "read-only":
            await self._pragma("PRAGMA query_only = ON")
            return

        @contextlib.asynccontextmanager
        async def full(*, write: bool) -> AsyncIterator[object]:
            raise StorageUnavailable("database error: OperationalError: database or disk is full")
            yield  # pragma: no cover

        self.monkeypatch.setattr(self.storage, "_transaction", full)

    async def stop(self) -> None:
        if self.how == "read-only":
            await self._pragma("PRAGMA query_only = OFF")
        else:
            self.monkeypatch.undo()


@pytest.mark.parametrize("how", ["read-only", "disk-full"])
async def test_database_outage_answers_silently_warns_once_and_recovers(
    fake: FaultyDiscord,
    knowledge: Knowledge,
    tmp_path: Path,
    how: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    patches = pytest.MonkeyPatch()
    caplog.set_level(logging.INFO)
    async with (
        SQLiteStorage(tmp_path / "pb.sqlite3") as storage,
        start_bot(fake, knowledge, storage=storage, cooldown_seconds=0) as run,
    ):
        answerable = questions(run.service, Outcome.ANSWER, 10)
        gaps = unanswerable(run.service, 30)
        outage = Outage(storage, how, patches)
        await outage.start()
        with pytest.raises(StorageUnavailable):  # the outage is real
            await storage.heartbeat()
        caplog.clear()
        inters = [
            await fake.slash("ask", user=member(i), question=q)
            for i, q in enumerate(answerable + gaps[:10])
        ]
        replies = await asyncio.gather(*(fake.reply(x, 15) for x in inters))
        for reply, asked in zip(replies, answerable + gaps[:10], strict=True):
            expected = run.service.ask(asked)
            if expected.entry is not None:
                assert reply.embed["title"] == expected.entry.title
            else:
                assert reply.embed["title"] in {"No sourced answer yet", "Did you mean…"}
            assert "database" not in reply.text().lower() and "storage" not in reply.text().lower()
        await run.bot.housekeeping.beat()  # the heartbeat fails too, without a second warning
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert "storage unavailable" in warnings[0].getMessage()

        await outage.stop()
        back = [
            await fake.slash("ask", user=member(50 + i), question=q)
            for i, q in enumerate(gaps[10:13])
        ]
        await asyncio.gather(*(fake.reply(x, 15) for x in back))
        assert any("available again" in r.getMessage() for r in caplog.records)
        stored = {g.question for g in await storage.list_gaps(limit=1000)}
        assert set(gaps[10:13]) <= stored, "recording resumed after the outage"
        assert not set(gaps[:10]) & stored
