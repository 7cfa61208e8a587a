"""What only the SQLite backend promises: schema, pragmas, durability, SQL hygiene, and the
user-id hashing that keeps raw ids out of the file."""

from __future__ import annotations

import ast
import asyncio
import hashlib
import hmac
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

import bot.storage.sqlite as sqlite_backend
from bot.errors import StorageUnavailable
from bot.settings import Settings
from bot.storage import GapEvent, ScoredCandidate, UserHasher, open_storage
from bot.storage.hashing import KEY_FILE
from bot.storage.memory import MemoryStorage
from bot.storage.sqlite import SQLiteStorage, migrations, split_statements
from tests.storage.conftest import T0

REPO = Path(__file__).resolve().parents[2]


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "policybot.sqlite3"


def sync_query(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


# -- schema and migrations -------------------------------------------------------------
def test_migrations_are_packaged_and_numbered() -> None:
    found = migrations()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1))
    assert found[0][1] == "0001_initial.sql"
    assert all(split_statements(sql) for _, _, sql in found)


async def test_migrations_applied_once_and_idempotent(tmp_path: Path) -> None:
    path = db_path(tmp_path)
    async with SQLiteStorage(path):
        pass
    first = sync_query(path, "SELECT version, name, applied_at FROM schema_version")
    assert [(v, n) for v, n, _ in first] == [(v, n) for v, n, _ in migrations()]
    async with SQLiteStorage(path) as again:
        assert await again.healthy()
    assert sync_query(path, "SELECT version, name, applied_at FROM schema_version") == first
    tables = {r[0] for r in sync_query(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"gap_groups", "gap_events", "feedback", "question_log", "aliases"} <= tables
    assert {"guild_config", "heartbeat", "schema_version"} <= tables


async def test_failed_migration_rolls_back_entirely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = db_path(tmp_path)
    async with SQLiteStorage(path):
        pass
    broken = [
        *migrations(),
        (
            len(migrations()) + 1,
            "9999_broken.sql",
            "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n",
        ),
    ]
    monkeypatch.setattr(sqlite_backend, "migrations", lambda: broken)
    with pytest.raises(StorageUnavailable):
        await SQLiteStorage(path).open()
    tables = {r[0] for r in sync_query(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half_done" not in tables, "a failed migration must leave no trace"
    assert sync_query(path, "SELECT MAX(version) FROM schema_version") == [(len(migrations()),)]


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = db_path(tmp_path)
    async with SQLiteStorage(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
            (999, "9999_future.sql", "2030-01-01T00:00:00+00:00"),
        )
    with pytest.raises(StorageUnavailable, match="newer"):
        await SQLiteStorage(path).open()


async def test_reopen_does_not_need_the_write_lock(tmp_path: Path) -> None:
    """The CLI opening the bot's database must not wait for (or block) the bot's writes."""
    path = db_path(tmp_path)
    async with SQLiteStorage(path) as storage:
        await storage.record_gap(GapEvent("already here", "u", "none", at=T0))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is mid-write
        async with SQLiteStorage(path, busy_timeout=0.2) as reader:
            assert [g.question for g in await reader.list_gaps()] == ["already here"]
            with pytest.raises(StorageUnavailable):
                await reader.record_gap(GapEvent("must wait", "u", "none", at=T0))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_split_statements_respects_quotes_and_triggers() -> None:
    script = textwrap.dedent(
        """\
        -- a comment; with a semicolon
        CREATE TABLE t (a TEXT DEFAULT 'x;y');
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN
            UPDATE t SET a = 'z;' WHERE a = 'x;y';
        END;
        """
    )
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(StorageUnavailable):
        split_statements("CREATE TABLE t (a TEXT)")


async def test_pragmas_wal_foreign_keys_synchronous_busy_timeout(tmp_path: Path) -> None:
    path = db_path(tmp_path)
    async with SQLiteStorage(path) as storage:
        conn = storage._conn
        assert conn is not None
        pragma = {
            name: (await conn.execute_fetchall(f"PRAGMA {name}"))[0][0]
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,  # NORMAL: see the durability note in bot/storage/sqlite.py
        "busy_timeout": 5000,
    }
    assert sync_query(path, "PRAGMA journal_mode") == [("wal",)], "WAL persists in the file"


async def test_data_persists_across_reopen_and_integrity_ok(tmp_path: Path) -> None:
    path = db_path(tmp_path)
    async with SQLiteStorage(path) as storage:
        record = await storage.record_gap(
            GapEvent("does it persist", "u1", "none", candidates=[ScoredCandidate("e", 50)], at=T0)
        )
        assert record is not None
        await storage.record_feedback("m", "e", "u1", "up", at=T0)
        await storage.add_alias("e", "persisted phrasing", "c")
        await storage.set_curator_role(7, 8)
        await storage.heartbeat(T0)
        await storage.record_question("answer", entry_id="e", at=T0)
    async with SQLiteStorage(path) as storage:
        [group] = await storage.list_gaps()
        assert (group.id, group.question, group.count, group.best_entry_id) == (
            record.group_id,
            "does it persist",
            1,
            "e",
        )
        assert await storage.record_feedback("m", "e", "u1", "down") is False
        assert [tuple(a) for a in await storage.list_aliases()] == [("e", "persisted phrasing")]
        assert (await storage.guild_config(7)).curator_role_id == 8
        assert await storage.last_heartbeat() == T0
        assert (await storage.stats()).answered == 1
        await storage.purge(T0 + timedelta(days=1))
    assert sync_query(path, "PRAGMA integrity_check") == [("ok",)]
    assert sync_query(path, "PRAGMA foreign_key_check") == []


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    async with SQLiteStorage(db_path(tmp_path)) as storage:
        conn = storage._conn
        assert conn is not None
        with pytest.raises(sqlite3.IntegrityError):
            await conn.execute(
                "INSERT INTO gap_events (group_id, question, normalised, group_key, user_hash,"
                " outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (424242, "q", "q", "q", "h", "none", "2026-01-01T00:00:00.000000+00:00"),
            )


async def test_database_errors_surface_as_storage_unavailable_and_recover(
    tmp_path: Path,
) -> None:
    async with SQLiteStorage(db_path(tmp_path)) as storage:
        conn = storage._conn
        assert conn is not None
        await conn.execute("PRAGMA query_only = ON")  # writes now fail like a read-only file
        with pytest.raises(StorageUnavailable) as caught:
            await storage.record_gap(GapEvent("q", "u", "none", at=T0))
        assert isinstance(caught.value.__cause__, sqlite3.Error)
        assert await storage.healthy() is True, "reads still work"
        await conn.execute("PRAGMA query_only = OFF")
        assert await storage.record_gap(GapEvent("q", "u", "none", at=T0)) is not None


async def test_concurrent_cli_process_sees_the_bots_writes(tmp_path: Path) -> None:
    """A second connection (as `policybot gaps list` opens) reads while the first is open."""
    path = db_path(tmp_path)
    async with SQLiteStorage(path) as bot_side:
        await bot_side.record_gap(GapEvent("seen by the cli", "u", "none", at=T0))
        async with SQLiteStorage(path) as cli_side:
            [group] = await cli_side.list_gaps()
            assert group.question == "seen by the cli"
            assert await cli_side.purge(T0 - timedelta(days=1)) == 0
        await bot_side.record_gap(GapEvent("after the cli left", "u", "none", at=T0))
        assert await bot_side.count_gaps() == 2


# -- durability ------------------------------------------------------------------------
KILL_SCRIPT = textwrap.dedent(
    """\
    import asyncio, sys
    from bot.storage import GapEvent
    from bot.storage.sqlite import SQLiteStorage

    async def main(path):
        async with SQLiteStorage(path) as storage:
            i = 0
            while True:
                record = await storage.record_gap(
                    GapEvent(f"question number {i} " + "x" * (i % 7), f"user-{i % 13}", "none")
                )
                # Acknowledge only after record_gap returned, as the bot must.
                print(record.event_id, record.group_id, flush=True)
                i += 1

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("acknowledged_before_kill", [1, 40, 250])
def test_acknowledged_gaps_survive_sigkill(tmp_path: Path, acknowledged_before_kill: int) -> None:
    path = db_path(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    acknowledged: list[tuple[int, int]] = []
    try:
        assert proc.stdout is not None
        while len(acknowledged) < acknowledged_before_kill:
            line = proc.stdout.readline()
            assert line, "writer died early"
            event_id, group_id = map(int, line.split())
            acknowledged.append((event_id, group_id))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    assert sync_query(path, "PRAGMA integrity_check") == [("ok",)]
    stored_events = dict(sync_query(path, "SELECT id, group_id FROM gap_events"))
    for event_id, group_id in acknowledged:
        assert stored_events.get(event_id) == group_id, f"acknowledged gap {event_id} lost"

    async def restart() -> None:
        async with SQLiteStorage(path) as storage:
            assert await storage.healthy()
            groups = await storage.list_gaps(limit=100_000)
            assert sum(g.count for g in groups) == len(stored_events), "counts match events"
            assert await storage.record_gap(GapEvent("after restart", "u", "none")) is not None

    asyncio.run(restart())


# -- SQL hygiene -----------------------------------------------------------------------
_SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES|PRAGMA|CREATE|SET)\b")
_EXECUTORS = {"execute", "executemany", "execute_fetchall", "_one", "_all"}
# Names that may carry SQL into an executor: the helpers' own parameter, the trusted
# migration statement read from the package, and module-level literal constants.
_TRUSTED_NAMES = {"sql", "statement"}


def _module_string_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to literal strings (or sums of them)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and _is_literal_sql(node.value, set(), trust=False):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _is_literal_sql(node: ast.expr, constants: set[str], *, trust: bool = True) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        return node.id in constants or (trust and node.id in _TRUSTED_NAMES)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal_sql(node.left, constants, trust=trust) and _is_literal_sql(
            node.right, constants, trust=trust
        )
    if isinstance(node, ast.IfExp):  # "BEGIN IMMEDIATE" if write else "BEGIN"
        return _is_literal_sql(node.body, constants, trust=trust) and _is_literal_sql(
            node.orelse, constants, trust=trust
        )
    return False


def sql_hygiene_problems(source: str) -> list[str]:
    """Every executed SQL string is a literal; no f-string, %-format or .format builds SQL."""
    tree = ast.parse(source)
    constants = _module_string_constants(tree)
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _EXECUTORS:
                args = node.args
                sql = args[1] if node.func.attr in {"_one", "_all"} else args[0] if args else None
                if sql is None or not _is_literal_sql(sql, constants):
                    problems.append(f"line {node.lineno}: {node.func.attr} with non-literal SQL")
            if (
                node.func.attr == "format"
                and isinstance(node.func.value, ast.Constant)
                and _SQL_WORDS.search(str(node.func.value.value))
            ):
                problems.append(f"line {node.lineno}: str.format on SQL")
        if isinstance(node, ast.JoinedStr):
            text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
            if _SQL_WORDS.search(text):
                problems.append(f"line {node.lineno}: f-string containing SQL")
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and _SQL_WORDS.search(str(node.left.value))
        ):
            problems.append(f"line {node.lineno}: %-formatting on SQL")
    return problems


def test_backend_sql_is_always_parameterised() -> None:
    source = Path(sqlite_backend.__file__).read_text(encoding="utf-8")
    assert sql_hygiene_problems(source) == []


@pytest.mark.parametrize(
    "bad",
    [
        'async def f(db, x):\n    await db.execute(f"SELECT * FROM t WHERE a = {x}")\n',
        'async def f(db, x):\n    await db.execute("SELECT * FROM t WHERE a = %s" % x)\n',
        'async def f(db, x):\n    await db.execute("SELECT * FROM t WHERE a = {}".format(x))\n',
        'async def f(db, x):\n    await db.execute("SELECT * FROM t WHERE a = " + x)\n',
        'async def f(db, x):\n    q = "DELETE FROM t WHERE a = " + x\n    await db.execute(q)\n',
        'Q = "DELETE FROM t WHERE a = " + str(1)\nasync def f(db):\n    await db.execute(Q)\n',
    ],
)
def test_sql_hygiene_check_catches_formatting(bad: str) -> None:
    assert sql_hygiene_problems(bad), "the hygiene check must be able to fail"


# -- user hashing ----------------------------------------------------------------------
def test_hash_key_file_created_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    settings = Settings.from_env({"POLICYBOT_DATA_DIR": str(data_dir)})
    first = UserHasher.from_settings(settings)
    key_file = data_dir / KEY_FILE
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    before = key_file.read_bytes()
    second = UserHasher.from_settings(settings)
    assert key_file.read_bytes() == before
    assert first.hash(123456789012345678) == second.hash(123456789012345678)
    other = UserHasher.from_settings(
        Settings.from_env({"POLICYBOT_DATA_DIR": str(tmp_path / "elsewhere")})
    )
    assert other.hash(123456789012345678) != first.hash(123456789012345678), "per-install key"


def test_env_hash_key_is_used_and_no_file_written(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"POLICYBOT_DATA_DIR": str(tmp_path), "POLICYBOT_HASH_KEY": "a-configured-secret-key"}
    )
    hasher = UserHasher.from_settings(settings)
    expected = hmac.new(b"a-configured-secret-key", b"42", hashlib.sha256).hexdigest()
    assert hasher.hash(42) == expected == hasher("42")
    assert not (tmp_path / KEY_FILE).exists()
    assert "secret" not in repr(hasher)


def test_corrupt_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not hex at all")
    with pytest.raises(Exception, match="not a hex key"):
        UserHasher.from_settings(Settings.from_env({"POLICYBOT_DATA_DIR": str(tmp_path)}))


def test_raw_user_id_never_reaches_the_database_file(tmp_path: Path) -> None:
    user_id = 987654321098765432
    guild_id, channel_id = 111111111111111111, 222222222222222222
    settings = Settings.from_env({"POLICYBOT_DATA_DIR": str(tmp_path)})
    hasher = UserHasher.from_settings(settings)
    who = hasher.hash(user_id)

    async def use_it() -> None:
        async with open_storage(settings) as storage:
            for i in range(20):
                event = GapEvent(
                    f"question {i}", who, "none", guild_id=guild_id, channel_id=channel_id, at=T0
                )
                await storage.record_gap(event, hourly_cap=100)
            await storage.record_feedback("answer-1", "e", who, "down", "outdated")
            await storage.resolve_gap(1, "e", who)

    asyncio.run(use_it())
    files = [p for p in tmp_path.iterdir() if p.name.startswith("policybot.sqlite3")]
    assert files, "the database lives in the data directory by default"
    blob = b"".join(p.read_bytes() for p in files)
    assert who.encode() in blob, "the hash is what is stored (sanity check of the scan)"
    assert str(user_id).encode() not in blob
    assert user_id.to_bytes(8, "big") not in blob


def test_open_storage_chooses_backend(tmp_path: Path) -> None:
    assert isinstance(open_storage(Settings(db_path=Path(":memory:"))), MemoryStorage)
    chosen = open_storage(Settings(data_dir=tmp_path))
    assert isinstance(chosen, SQLiteStorage)
    assert chosen.path == tmp_path / "policybot.sqlite3"
