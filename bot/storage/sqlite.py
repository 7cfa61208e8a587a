"""The SQLite backend (aiosqlite). It owns every line of SQL policybot runs.

Durability: WAL with `synchronous=NORMAL`. A transaction is committed once its frames are
written to the WAL file, before `COMMIT` returns; those writes sit in the operating system's
page cache, which survives the death of the process (SIGKILL, OOM kill, crash) untouched. What
NORMAL gives up is only durability across a power cut or kernel crash, where the last few
commits may roll back (never corrupt). FULL would add an fsync per commit, which a burst of
hundreds of gap writes would pay for in latency, to protect against an event the gap log can
afford to lose. So: a gap whose `record_gap` has returned survives a kill of the bot.

Concurrency: one connection per process, guarded by an `asyncio.Lock` so a task's
transaction never interleaves with another task's statements on the shared connection.
Writes start with `BEGIN IMMEDIATE` so another process (the `policybot` CLI on the same file)
waits on `busy_timeout` instead of failing half-way through.

Every statement is a literal string with `?` parameters; values never enter SQL text
(`tests/storage/test_sqlite.py` checks this file for it). SQLite errors leave this module as
`StorageUnavailable`, so callers never see a `sqlite3` type.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite

from bot.errors import StorageUnavailable
from bot.storage.base import (
    GROUP_SCAN_LIMIT,
    GROUP_THRESHOLD,
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
    Stats,
    StoredGapEvent,
    Vote,
    as_utc,
    cap_question,
    cap_reason,
)
from bot.storage.grouping import (
    candidates_from_json,
    candidates_to_json,
    check_question_outcome,
    check_status,
    check_vote,
    pick_group,
    prepared_event,
)

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_GROUP_COLUMNS = (
    "SELECT id, question, normalised, surface, count, first_seen, last_seen, status,"
    " best_entry_id, best_score, resolved_entry_id, dismiss_reason FROM gap_groups"
)


def _ts(when: datetime) -> str:
    """Stored time: UTC ISO-8601 with fixed microseconds, so text order is time order."""
    return as_utc(when).isoformat(timespec="microseconds")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def migrations() -> list[tuple[int, str, str]]:
    """The packaged migrations as (version, file name, SQL), checked to be 1..N without gaps."""
    folder = importlib.resources.files("bot.storage") / "migrations"
    found: list[tuple[int, str, str]] = []
    for item in folder.iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise StorageUnavailable(f"migrations are not numbered 1..N: {[n for _, n, _ in found]}")
    return found


def split_statements(script: str) -> list[str]:
    """Split a migration into statements (respecting quotes and trigger bodies).

    `executescript` would commit the open transaction first, which defeats applying
    migrations atomically; executing statement by statement keeps them in one transaction.
    """
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    rest = "\n".join(
        part for part in buffer.splitlines() if part.strip() and not part.strip().startswith("--")
    )
    if rest.strip():
        raise StorageUnavailable(f"migration has an unterminated statement: {rest[:60]!r}")
    return statements


class SQLiteStorage:
    """`Storage` in one SQLite file; see the module docstring for the durability decision."""

    def __init__(
        self,
        path: Path | str,
        *,
        group_threshold: float = GROUP_THRESHOLD,
        busy_timeout: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.group_threshold = group_threshold
        self.busy_timeout = busy_timeout
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------
    async def open(self) -> None:
        if self._conn is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # `timeout` installs SQLite's busy handler (PRAGMA busy_timeout), so a second
            # process holding the write lock makes us wait rather than fail.
            conn = await aiosqlite.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageUnavailable(f"cannot open database: {exc.__class__.__name__}") from exc
        try:
            mode = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            if str(next(iter(mode))[0]).lower() != "wal":
                log.warning("database is not in WAL mode; concurrent readers may block")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await self._migrate(conn)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StorageUnavailable(
                    f"cannot prepare database: {exc.__class__.__name__}: {exc}"
                ) from exc
            raise
        self._conn = conn

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        """Apply pending migrations in one transaction, recording each in `schema_version`."""
        available = migrations()
        # Fast path without the write lock, so `policybot gaps list` opening the database
        # next to the running bot never queues behind (or blocks) its writes.
        tables = await conn.execute_fetchall(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
        if tables:
            rows = await conn.execute_fetchall("SELECT MAX(version) FROM schema_version")
            if next(iter(rows))[0] == len(available):
                return
        await conn.execute("BEGIN IMMEDIATE")
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            rows = await conn.execute_fetchall(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version"
            )
            current = int(next(iter(rows))[0])
            if current > len(available):
                raise StorageUnavailable(
                    f"database schema {current} is newer than this policybot ({len(available)})"
                )
            for version, name, script in available[current:]:
                for statement in split_statements(script):
                    # Trusted SQL shipped inside the package, never built from values.
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, _ts(as_utc(None))),
                )
                log.info("applied migration %s", name)
            await conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @contextlib.asynccontextmanager
    async def _transaction(self, *, write: bool) -> AsyncIterator[aiosqlite.Connection]:
        """One unit of work under the lock; sqlite errors become `StorageUnavailable`."""
        conn = self._conn
        if conn is None:
            raise StorageUnavailable("storage is not open")
        async with self._lock:
            try:
                await conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            await conn.execute("ROLLBACK")
                    raise
                await conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        await conn.execute("ROLLBACK")
                raise StorageUnavailable(
                    f"database error: {exc.__class__.__name__}: {exc}"
                ) from exc

    @staticmethod
    async def _one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
        async with conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    @staticmethod
    async def _all(
        conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
    ) -> Iterable[Any]:
        return await conn.execute_fetchall(sql, params)

    async def healthy(self) -> bool:
        try:
            async with self._transaction(write=False) as db:
                row = await self._one(db, "SELECT COUNT(*) FROM schema_version")
                return row is not None and row[0] > 0
        except StorageUnavailable:
            return False

    async def heartbeat(self, now: datetime | None = None) -> None:
        async with self._transaction(write=True) as db:
            await db.execute(
                "INSERT INTO heartbeat (id, at) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                (_ts(as_utc(now)),),
            )

    async def last_heartbeat(self) -> datetime | None:
        async with self._transaction(write=False) as db:
            row = await self._one(db, "SELECT at FROM heartbeat WHERE id = 1")
        return _dt(row[0]) if row else None

    # -- what people asked -------------------------------------------------------------
    async def record_question(
        self,
        outcome: str,
        *,
        entry_id: str | None = None,
        surface: str | None = None,
        guild_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        values = (check_question_outcome(outcome), entry_id, surface, guild_id, _ts(as_utc(at)))
        async with self._transaction(write=True) as db:
            await db.execute(
                "INSERT INTO question_log (outcome, entry_id, surface, guild_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                values,
            )

    async def record_questions(self, counts: Sequence[QuestionCount]) -> None:
        rows = [
            (
                check_question_outcome(c.outcome),
                c.entry_id,
                c.surface,
                c.guild_id,
                _ts(as_utc(c.at)),
            )
            for c in counts
        ]
        if not rows:
            return
        async with self._transaction(write=True) as db:
            await db.executemany(
                "INSERT INTO question_log (outcome, entry_id, surface, guild_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    async def record_gap(
        self, event: GapEvent, *, hourly_cap: int | None = None
    ) -> GapRecord | None:
        question, normalised, key, outcome, candidates = prepared_event(event)
        at = as_utc(event.at)
        stamp = _ts(at)
        best = candidates[0] if candidates else None
        async with self._transaction(write=True) as db:
            if hourly_cap is not None:
                row = await self._one(
                    db,
                    "SELECT COUNT(*) FROM gap_events WHERE user_hash = ? AND created_at >= ?",
                    (event.user_hash, _ts(at - timedelta(hours=1))),
                )
                if row[0] >= hourly_cap:
                    return None
            group_id = await self._matching_group(db, key, event.surface)
            if group_id is None:
                cursor = await db.execute(
                    "INSERT INTO gap_groups (question, normalised, group_key, surface, count,"
                    " first_seen, last_seen, status, best_entry_id, best_score)"
                    " VALUES (?, ?, ?, ?, 1, ?, ?, 'open', ?, ?)",
                    (
                        question,
                        normalised,
                        key,
                        event.surface,
                        stamp,
                        stamp,
                        best.entry_id if best else None,
                        best.score if best else None,
                    ),
                )
                group_id = int(cursor.lastrowid or 0)
                count, new_group = 1, True
            else:
                count, new_group = await self._join_group(
                    db, group_id, question, normalised, key, stamp, best
                )
            cursor = await db.execute(
                "INSERT INTO gap_events (group_id, question, normalised, group_key, surface,"
                " guild_id, channel_id, user_hash, outcome, candidates, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    group_id,
                    question,
                    normalised,
                    key,
                    event.surface,
                    event.guild_id,
                    event.channel_id,
                    event.user_hash,
                    str(outcome),
                    candidates_to_json(candidates),
                    event.reason,
                    stamp,
                ),
            )
            event_id = int(cursor.lastrowid or 0)
        return GapRecord(event_id, group_id, count, new_group)

    async def _matching_group(
        self, db: aiosqlite.Connection, key: str, surface: str | None
    ) -> int | None:
        """An open group of the same surface whose key equals or closely matches `key`."""
        exact = await self._one(
            db,
            "SELECT id FROM gap_groups WHERE status = 'open' AND surface IS ? AND group_key = ?"
            " ORDER BY last_seen DESC, id DESC LIMIT 1",
            (surface, key),
        )
        if exact is not None:
            return int(exact[0])
        recent = await self._all(
            db,
            "SELECT id, group_key FROM gap_groups WHERE status = 'open' AND surface IS ?"
            " ORDER BY last_seen DESC, id DESC LIMIT ?",
            (surface, GROUP_SCAN_LIMIT),
        )
        return pick_group(key, [(int(r[0]), r[1]) for r in recent], self.group_threshold)

    @staticmethod
    async def _join_group(
        db: aiosqlite.Connection,
        group_id: int,
        question: str,
        normalised: str,
        key: str,
        stamp: str,
        best: Any,
    ) -> tuple[int, bool]:
        row = await SQLiteStorage._one(
            db,
            "SELECT count, question, normalised, group_key, first_seen, last_seen,"
            " best_entry_id, best_score FROM gap_groups WHERE id = ?",
            (group_id,),
        )
        count, sample, sample_norm, sample_key, first, last, best_id, best_score = row
        if stamp < first:
            first, sample, sample_norm, sample_key = stamp, question, normalised, key
        if best is not None and (best_score is None or best.score > best_score):
            best_id, best_score = best.entry_id, best.score
        await db.execute(
            "UPDATE gap_groups SET count = ?, question = ?, normalised = ?, group_key = ?,"
            " first_seen = ?, last_seen = ?, best_entry_id = ?, best_score = ? WHERE id = ?",
            (
                count + 1,
                sample,
                sample_norm,
                sample_key,
                first,
                max(last, stamp),
                best_id,
                best_score,
                group_id,
            ),
        )
        return count + 1, False

    async def record_suggestion_click(self, event_id: int, entry_id: str) -> bool:
        async with self._transaction(write=True) as db:
            cursor = await db.execute(
                "UPDATE gap_events SET clicked_entry_id = ? WHERE id = ?", (entry_id, event_id)
            )
            return cursor.rowcount > 0

    async def record_feedback(
        self,
        answer_key: str,
        entry_id: str,
        user_hash: str,
        vote: Vote | str,
        reason: str | None = None,
        *,
        at: datetime | None = None,
    ) -> bool:
        values = (answer_key, entry_id, user_hash, str(check_vote(vote)), reason, _ts(as_utc(at)))
        async with self._transaction(write=True) as db:
            # The UNIQUE (answer_key, user_hash) constraint is the rule; DO NOTHING turns the
            # second vote into "0 rows changed" instead of an exception.
            cursor = await db.execute(
                "INSERT INTO feedback (answer_key, entry_id, user_hash, vote, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (answer_key, user_hash) DO NOTHING",
                values,
            )
            return cursor.rowcount > 0

    async def set_feedback_reason(
        self,
        answer_key: str,
        user_hash: str,
        reason: FeedbackReason | str,
        gap_event_id: int | None = None,
    ) -> bool:
        text = cap_reason(reason)
        async with self._transaction(write=True) as db:
            cursor = await db.execute(
                "UPDATE feedback SET reason = ? WHERE answer_key = ? AND user_hash = ?"
                " AND vote = 'down' AND reason IS NULL",
                (text, answer_key, user_hash),
            )
            if cursor.rowcount == 0:
                return False
            if gap_event_id is not None:
                await db.execute(
                    "UPDATE gap_events SET reason = ? WHERE id = ? AND user_hash = ?"
                    " AND outcome = 'feedback' AND reason IS NULL",
                    (text, gap_event_id, user_hash),
                )
            return True

    async def gaps_recorded_since(self, user_hash: str, since: datetime) -> int:
        async with self._transaction(write=False) as db:
            row = await self._one(
                db,
                "SELECT COUNT(*) FROM gap_events WHERE user_hash = ? AND created_at >= ?",
                (user_hash, _ts(since)),
            )
        return int(row[0])

    # -- curation ----------------------------------------------------------------------
    async def list_gaps(
        self,
        status: GapStatus | str | None = GapStatus.OPEN,
        surface: str | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> list[GapGroup]:
        async with self._transaction(write=False) as db:
            return await self._list_gaps(db, check_status(status), surface, limit, offset)

    @staticmethod
    async def _list_gaps(
        db: aiosqlite.Connection,
        status: GapStatus | None,
        surface: str | None,
        limit: int,
        offset: int,
    ) -> list[GapGroup]:
        wanted = None if status is None else str(status)
        rows = await SQLiteStorage._all(
            db,
            _GROUP_COLUMNS + " WHERE (? IS NULL OR status = ?) AND (? IS NULL OR surface = ?)"
            " ORDER BY count DESC, last_seen DESC, id ASC LIMIT ? OFFSET ?",
            (wanted, wanted, surface, surface, limit, offset),
        )
        return [_group(r) for r in rows]

    async def count_gaps(
        self, status: GapStatus | str | None = GapStatus.OPEN, surface: str | None = None
    ) -> int:
        async with self._transaction(write=False) as db:
            return await self._count_gaps(db, check_status(status), surface)

    @staticmethod
    async def _count_gaps(
        db: aiosqlite.Connection, status: GapStatus | None, surface: str | None
    ) -> int:
        wanted = None if status is None else str(status)
        row = await SQLiteStorage._one(
            db,
            "SELECT COUNT(*) FROM gap_groups"
            " WHERE (? IS NULL OR status = ?) AND (? IS NULL OR surface = ?)",
            (wanted, wanted, surface, surface),
        )
        return int(row[0])

    async def get_gap(self, gap_id: int) -> GapGroup | None:
        async with self._transaction(write=False) as db:
            return await self._get_gap(db, gap_id)

    @staticmethod
    async def _get_gap(db: aiosqlite.Connection, gap_id: int) -> GapGroup | None:
        row = await SQLiteStorage._one(db, _GROUP_COLUMNS + " WHERE id = ?", (gap_id,))
        return _group(row) if row else None

    async def list_gap_events(self, gap_id: int, limit: int = 50) -> list[StoredGapEvent]:
        async with self._transaction(write=False) as db:
            rows = await self._all(
                db,
                "SELECT id, group_id, question, normalised, surface, guild_id, channel_id,"
                " outcome, candidates, reason, clicked_entry_id, created_at FROM gap_events"
                " WHERE group_id = ? ORDER BY created_at, id LIMIT ?",
                (gap_id, limit),
            )
        return [
            StoredGapEvent(
                id=r[0],
                group_id=r[1],
                question=r[2],
                normalised=r[3],
                surface=r[4],
                guild_id=r[5],
                channel_id=r[6],
                outcome=GapOutcome(r[7]),
                candidates=candidates_from_json(r[8]),
                reason=r[9],
                clicked_entry_id=r[10],
                at=_dt(r[11]),
            )
            for r in rows
        ]

    async def _open_gap(self, db: aiosqlite.Connection, gap_id: int) -> GapGroup:
        group = await self._get_gap(db, gap_id)
        if group is None:
            raise GapNotFound(f"gap {gap_id} not found")
        if group.status is not GapStatus.OPEN:
            raise GapNotOpen(f"gap {gap_id} is {group.status}")
        return group

    async def resolve_gap(
        self, gap_id: int, entry_id: str, curator_hash: str, question: str | None = None
    ) -> GapGroup:
        async with self._transaction(write=True) as db:
            group = await self._open_gap(db, gap_id)
            alias = cap_question(question or group.question)
            if not alias:
                raise ValueError("an alias needs question text")
            await db.execute(
                "UPDATE gap_groups SET status = 'resolved', resolved_entry_id = ?,"
                " curator_hash = ?, closed_at = ? WHERE id = ?",
                (entry_id, curator_hash, _ts(as_utc(None)), gap_id),
            )
            await self._insert_alias(db, entry_id, alias, curator_hash)
            resolved = await self._get_gap(db, gap_id)
        assert resolved is not None
        return resolved

    async def dismiss_gap(self, gap_id: int, reason: str | None, curator_hash: str) -> GapGroup:
        async with self._transaction(write=True) as db:
            await self._open_gap(db, gap_id)
            await db.execute(
                "UPDATE gap_groups SET status = 'dismissed', dismiss_reason = ?,"
                " curator_hash = ?, closed_at = ? WHERE id = ?",
                (reason, curator_hash, _ts(as_utc(None)), gap_id),
            )
            dismissed = await self._get_gap(db, gap_id)
        assert dismissed is not None
        return dismissed

    async def add_alias(self, entry_id: str, question: str, curator_hash: str) -> bool:
        text = cap_question(question)
        if not text or not entry_id:
            raise ValueError("an alias needs an entry id and question text")
        async with self._transaction(write=True) as db:
            return await self._insert_alias(db, entry_id, text, curator_hash)

    @staticmethod
    async def _insert_alias(
        db: aiosqlite.Connection, entry_id: str, question: str, curator_hash: str
    ) -> bool:
        cursor = await db.execute(
            "INSERT INTO aliases (entry_id, question, curator_hash, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (entry_id, question) DO NOTHING",
            (entry_id, question, curator_hash, _ts(as_utc(None))),
        )
        return cursor.rowcount > 0

    async def list_aliases(self) -> list[Alias]:
        async with self._transaction(write=False) as db:
            rows = await self._all(
                db, "SELECT entry_id, question FROM aliases ORDER BY entry_id, id"
            )
        return [Alias(r[0], r[1]) for r in rows]

    async def stats(self, top: int = 5) -> Stats:
        async with self._transaction(write=False) as db:
            outcomes = {
                r[0]: int(r[1])
                for r in await self._all(
                    db, "SELECT outcome, COUNT(*) FROM question_log GROUP BY outcome"
                )
            }
            clicks = await self._one(
                db, "SELECT COUNT(*) FROM gap_events WHERE clicked_entry_id IS NOT NULL"
            )
            tallies = await self._all(
                db,
                "SELECT entry_id,"
                " SUM(CASE WHEN vote = 'up' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN vote = 'down' THEN 1 ELSE 0 END)"
                " FROM feedback GROUP BY entry_id ORDER BY entry_id",
            )
            open_gaps = await self._count_gaps(db, GapStatus.OPEN, None)
            top_gaps = await self._list_gaps(db, GapStatus.OPEN, None, top, 0)
        return Stats(
            questions=sum(outcomes.values()),
            answered=outcomes.get("answer", 0),
            suggested=outcomes.get("suggest", 0),
            unanswered=outcomes.get("none", 0),
            suggestion_clicks=int(clicks[0]),
            open_gaps=open_gaps,
            feedback=tuple(FeedbackTally(r[0], int(r[1]), int(r[2])) for r in tallies),
            top_gaps=tuple(top_gaps),
        )

    # -- configuration -----------------------------------------------------------------
    async def guild_config(self, guild_id: int) -> GuildConfig:
        async with self._transaction(write=False) as db:
            row = await self._one(
                db, "SELECT curator_role_id FROM guild_config WHERE guild_id = ?", (guild_id,)
            )
        return GuildConfig(guild_id, row[0] if row else None)

    async def set_curator_role(self, guild_id: int, role_id: int | None) -> None:
        async with self._transaction(write=True) as db:
            await db.execute(
                "INSERT INTO guild_config (guild_id, curator_role_id) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET curator_role_id = excluded.curator_role_id",
                (guild_id, role_id),
            )

    # -- privacy -----------------------------------------------------------------------
    async def purge(self, older_than: datetime) -> int:
        cutoff = (_ts(older_than),)
        async with self._transaction(write=True) as db:
            removed = 0
            cursor = await db.execute("DELETE FROM gap_events WHERE created_at < ?", cutoff)
            removed += cursor.rowcount
            cursor = await db.execute("DELETE FROM feedback WHERE created_at < ?", cutoff)
            removed += cursor.rowcount
            cursor = await db.execute("DELETE FROM question_log WHERE created_at < ?", cutoff)
            removed += cursor.rowcount
            await self._resummarise(db)
        return removed

    async def forget_user(self, user_hash: str) -> int:
        who = (user_hash,)
        async with self._transaction(write=True) as db:
            removed = 0
            cursor = await db.execute("DELETE FROM gap_events WHERE user_hash = ?", who)
            removed += cursor.rowcount
            cursor = await db.execute("DELETE FROM feedback WHERE user_hash = ?", who)
            removed += cursor.rowcount
            cursor = await db.execute(
                "UPDATE gap_groups SET curator_hash = NULL WHERE curator_hash = ?", who
            )
            removed += cursor.rowcount
            cursor = await db.execute(
                "UPDATE aliases SET curator_hash = NULL WHERE curator_hash = ?", who
            )
            removed += cursor.rowcount
            await self._resummarise(db)
        return removed

    @staticmethod
    async def _resummarise(db: aiosqlite.Connection) -> None:
        """Drop empty groups; re-derive count, dates and sample text from remaining events.

        A group's count always equals its events, so a changed count marks exactly the groups
        that lost events; their sample question must not outlive the event it came from.
        """
        await db.execute(
            "DELETE FROM gap_groups WHERE NOT EXISTS"
            " (SELECT 1 FROM gap_events AS e WHERE e.group_id = gap_groups.id)"
        )
        await db.execute(
            "UPDATE gap_groups SET"
            " count = (SELECT COUNT(*) FROM gap_events AS e WHERE e.group_id = gap_groups.id),"
            " first_seen = (SELECT MIN(e.created_at) FROM gap_events AS e"
            "   WHERE e.group_id = gap_groups.id),"
            " last_seen = (SELECT MAX(e.created_at) FROM gap_events AS e"
            "   WHERE e.group_id = gap_groups.id),"
            " question = (SELECT e.question FROM gap_events AS e"
            "   WHERE e.group_id = gap_groups.id ORDER BY e.created_at, e.id LIMIT 1),"
            " normalised = (SELECT e.normalised FROM gap_events AS e"
            "   WHERE e.group_id = gap_groups.id ORDER BY e.created_at, e.id LIMIT 1),"
            " group_key = (SELECT e.group_key FROM gap_events AS e"
            "   WHERE e.group_id = gap_groups.id ORDER BY e.created_at, e.id LIMIT 1)"
            " WHERE count <> (SELECT COUNT(*) FROM gap_events AS e"
            "   WHERE e.group_id = gap_groups.id)"
        )


def _group(row: Sequence[Any]) -> GapGroup:
    return GapGroup(
        id=row[0],
        question=row[1],
        normalised=row[2],
        surface=row[3],
        count=row[4],
        first_seen=_dt(row[5]),
        last_seen=_dt(row[6]),
        status=GapStatus(row[7]),
        best_entry_id=row[8],
        best_score=row[9],
        resolved_entry_id=row[10],
        dismiss_reason=row[11],
    )
