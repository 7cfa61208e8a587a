"""SIGKILL `policybot run` in the middle of a burst of gap-recording questions.

The promise under test: a gap whose interaction Discord saw acknowledged is in the database
after a crash, the database is intact, and the restarted bot answers. The bot runs as a real
subprocess against the fake Discord in this process; the fake kills it from inside the
request handler at an exact acknowledgement count, so the kill lands mid-burst every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from fakediscord import server
from fakediscord.faults import FaultyDiscord
from harness import command, member, subprocess_env, unanswerable

from bot.core.service import AnswerService
from bot.knowledge.model import Knowledge

pytestmark = pytest.mark.slow

BURST = 200


def stored_questions(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [row[0] for row in conn.execute("SELECT question FROM gap_events")]


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


async def gaps_list_json(env: dict[str, str]) -> list[dict]:
    """What a curator (or an outside check) sees: `policybot gaps list --json`."""
    proc = await asyncio.create_subprocess_exec(
        *command("gaps", "list", "--json", "--status", "all", "--limit", "100000"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


async def start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command("run"), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


@pytest.mark.parametrize("kill_after", [10, 100, 190])
async def test_acknowledged_gaps_survive_sigkill_mid_burst(
    fake: FaultyDiscord,
    tmp_path: Path,
    knowledge: Knowledge,
    kill_after: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without the fake's OpenAPI check (~50 ms per reply, tested elsewhere) the fake keeps
    # pace with the bot, so "killed at the Nth acknowledgement" is where the bot really was.
    monkeypatch.setattr(server, "validate_body", lambda route, method, body: [])
    db = tmp_path / "policybot.sqlite3"
    env = subprocess_env(fake, tmp_path, POLICYBOT_DB=str(db))
    service = AnswerService(knowledge)
    asked = unanswerable(service, BURST + 1)
    proc = await start(env)
    try:
        await fake.wait_ready(within=30)
        await fake.wait_for(lambda: fake.sync_requests(), 10)

        def kill_at(count: int) -> None:
            if count == kill_after and proc.returncode is None:
                proc.send_signal(signal.SIGKILL)

        fake.on_ack = kill_at
        by_token = {}
        started = time.perf_counter()
        for i, question in enumerate(asked[:BURST]):
            inter = await fake.slash("ask", user=member(i), question=question)
            by_token[inter.token] = question
        await asyncio.wait_for(proc.wait(), 30)
        killed_after = time.perf_counter() - started
    finally:
        fake.on_ack = None
        if proc.returncode is None:
            proc.kill()
        await proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    await asyncio.sleep(0.2)  # let the fake finish reading what was already on the wire

    acked = {by_token[t] for t in fake.acknowledged() if t in by_token}
    # Callbacks the bot had already written to its sockets still arrive after the kill; they
    # count as acknowledged too (Discord would have seen them), so there may be a few more.
    assert len(acked) >= kill_after
    assert integrity(db) == "ok"
    stored = stored_questions(db)
    lost = acked - set(stored)
    assert not lost, f"{len(lost)} acknowledged gap(s) lost, e.g. {sorted(lost)[:3]}"
    groups = await gaps_list_json(env)
    assert sum(g["count"] for g in groups) == len(stored) >= len(acked)
    callbacks = [r for r in fake.requests if r.route and r.route.endswith("/callback")]
    deferred = sum(1 for r in callbacks if r.body["type"] == 5)
    print(
        f"kill after {kill_after}: {len(acked)} acknowledged ({deferred} deferred), "
        f"{len(stored)} stored, killed {killed_after:.2f}s into the burst"
    )

    # The same database, a new process: it starts, answers, and records again. First the
    # fake must have noticed the dead session, or it would dispatch into the closed socket.
    for _ in range(200):
        if not fake.sessions():
            break
        await asyncio.sleep(0.05)
    assert not fake.sessions(), "the fake still holds the killed bot's gateway session"
    fake.requests.clear()
    identified = len(fake.identifies)
    proc = await start(env)
    failure: BaseException | None = None
    try:
        await fake.wait_for(lambda: len(fake.identifies) > identified, 30)
        await fake.wait_ready(within=30)
        inter = await fake.slash("ask", user=member(BURST), question=asked[BURST])
        reply = await fake.reply(inter, within=15)
        assert reply.embed["title"] in {"No sourced answer yet", "Did you mean…"}
    except BaseException as exc:
        failure = exc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 15)
    log = err.decode()[-3000:]
    assert failure is None, f"restart failed ({failure!r}); its log:\n{log}"
    assert proc.returncode == 0, log
    assert asked[BURST] in stored_questions(db)
    assert integrity(db) == "ok"
