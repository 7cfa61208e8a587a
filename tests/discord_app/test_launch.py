"""`policybot run` / `policybot sync` as real subprocesses pointed at the fake Discord."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from fakediscord import FakeDiscord
from support import UNANSWERABLE, quote_field

from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.knowledge.model import Knowledge

pytestmark = pytest.mark.slow

TOKEN = "subprocess.token-abcdefghijklmnop"
POLICYBOT = shutil.which("policybot", path=str(Path(sys.executable).parent))


def command(*args: str) -> list[str]:
    """`policybot ARGS` via the installed script (or `python -m bot` if not installed)."""
    return [POLICYBOT, *args] if POLICYBOT else [sys.executable, "-m", "bot", *args]


def env_for(fake: FakeDiscord | None, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYBOT_", "DISCORD_"))}
    env["POLICYBOT_DATA_DIR"] = str(tmp_path)
    if fake is not None:
        env.update(fake.env())
    env.update(extra)
    return env


async def run_to_end(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_run_syncs_dev_guild_answers_and_stops_on_sigterm(
    fake: FakeDiscord, tmp_path: Path, shipped_knowledge: Knowledge
) -> None:
    env = env_for(
        fake,
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        POLICYBOT_SYNC_GUILDS=str(fake.guild_id),
        POLICYBOT_COOLDOWN_SECONDS="0",  # three questions from one member in a row
    )
    proc = await asyncio.create_subprocess_exec(
        *command("run"), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await fake.wait_ready(within=20)
        sync = await fake.wait_for(lambda: fake.sync_requests(), 10)
        assert sync[0].params["guild_id"] == str(fake.guild_id)
        registered = {c["name"] for c in sync[0].body}
        surface = next(iter(shipped_knowledge.surfaces.values()))
        assert {"ask", "compare", "sources", surface.command_name} <= registered

        service = AnswerService(shipped_knowledge)
        question = next(
            q
            for e in shipped_knowledge.entries.values()
            for q in e.questions
            if (r := service.ask(q)).outcome == Outcome.ANSWER
            and not r.variants
            and (w := service.ask(q, surface.id)).outcome == Outcome.ANSWER
            and not w.variants
        )
        for name in ("ask", surface.command_name):
            reply = await fake.reply(await fake.slash(name, question=question), within=10)
            embed = reply.embed
            assert quote_field(embed)["value"].startswith("> ")
            assert "](https://" in str(embed["fields"])
            assert "verified " in embed["footer"]["text"]
            assert reply.body["allowed_mentions"]["parse"] == []
        none = await fake.reply(await fake.slash("ask", question=UNANSWERABLE), within=10)
        assert none.embed["title"] == "No sourced answer yet"
        assert none.body["allowed_mentions"]["parse"] == []
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 15)
    log = err.decode()
    assert proc.returncode == 0, log
    assert "stopped cleanly" in log
    assert "interaction command=ask outcome=answer" in log
    assert TOKEN not in log and fake.member_user["id"] not in log
    assert question not in log and UNANSWERABLE not in log
    assert not [r for r in fake.sync_requests() if "guild_id" not in r.params]  # no global sync
    # Question counts are written in batches; a clean stop writes the last one.
    with sqlite3.connect(tmp_path / "policybot.sqlite3") as db:
        counted = dict(db.execute("SELECT outcome, COUNT(*) FROM question_log GROUP BY outcome"))
    assert counted == {"answer": 2, "none": 1}


async def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    code, out, err = await run_to_end(command("run"), env_for(None, tmp_path))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0]
    assert not out


async def test_rejected_token_is_one_clear_line_and_never_echoed(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    fake.expected_token = "the-real-token"
    env = env_for(fake, tmp_path, DISCORD_TOKEN=TOKEN)
    code, _, err = await run_to_end(command("run"), env)
    assert code == 2, err
    assert err.strip().splitlines()[-1] == (
        "policybot: Discord rejected DISCORD_TOKEN: check the bot token"
    )
    assert TOKEN not in err
    assert "Traceback" not in err


async def test_sync_registers_globally_or_in_one_guild(fake: FakeDiscord, tmp_path: Path) -> None:
    env = env_for(fake, tmp_path, DISCORD_TOKEN=TOKEN)
    code, out, err = await run_to_end(command("sync", "--guild", str(fake.guild_id)), env)
    assert code == 0, err
    assert "registered" in out
    code, out, err = await run_to_end(command("sync"), env)
    assert code == 0, err
    puts = [r for r in fake.sync_requests() if r.method == "PUT"]
    assert [r.params.get("guild_id") for r in puts] == [str(fake.guild_id), None]
    assert {c["name"] for c in puts[0].body} == {c["name"] for c in puts[1].body}
    assert not fake.identifies  # sync logs in over REST only, no gateway session
