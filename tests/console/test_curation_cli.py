"""The curation verbs driven as a curator would: `python -m bot ...` subprocesses on a database
filled through the storage backend, some while another connection (the bot) holds it open."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.storage import GapEvent, GapStatus, ScoredCandidate
from bot.storage.base import MAX_QUESTION_CHARS, GapGroup
from bot.storage.export import aliases_yaml, gaps_csv, neutralise_cell
from bot.storage.sqlite import SQLiteStorage

REPO = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC)
HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
)


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        PYTHONPATH=str(REPO),
        POLICYBOT_DATA_DIR=str(data_dir),
        POLICYBOT_DB=str(data_dir / "bot.sqlite3"),
        **extra,
    )
    return env


async def fill(path: Path) -> dict[str, int]:
    """A small curated history: a popular gap, a resolved one, a dismissed one, old rows."""
    ids: dict[str, int] = {}
    async with SQLiteStorage(path) as storage:
        for i, text in enumerate(
            (
                "does claude train on my chats?",
                "Does Claude train on my chats??",
                "does claude train on my chats",
            )
        ):
            record = await storage.record_gap(
                GapEvent(
                    text,
                    f"user-{i}",
                    "suggest",
                    surface="claude-ai",
                    candidates=(ScoredCandidate("training-default", 71.5),),
                    at=NOW - timedelta(minutes=10 - i),
                )
            )
            assert record is not None
            ids["popular"] = record.group_id
        api = await storage.record_gap(
            GapEvent("is api data used for training", "user-1", "none", surface="api", at=NOW)
        )
        resolved = await storage.record_gap(
            GapEvent("can staff read my prompts", "user-2", "none", at=NOW)
        )
        dismissed = await storage.record_gap(
            GapEvent("what is the weather", "user-3", "none", at=NOW)
        )
        old = await storage.record_gap(
            GapEvent("an ancient question", "user-4", "none", at=NOW - timedelta(days=120))
        )
        assert api and resolved and dismissed and old
        ids.update(api=api.group_id, resolved=resolved.group_id, old=old.group_id)
        ids["dismissed"] = dismissed.group_id
        await storage.resolve_gap(resolved.group_id, "human-review", "curator")
        await storage.dismiss_gap(dismissed.group_id, "off topic", "curator")
        await storage.add_alias("training-default", "is my chat used to train models", "curator")
        await storage.add_alias("human-review", "do people look at my chats", "curator")
        await storage.record_feedback("m1", "e", "user-1", "down", at=NOW - timedelta(days=120))
        await storage.record_question("none", at=NOW - timedelta(days=120))
    return ids


@pytest.fixture
def filled(tmp_path: Path) -> tuple[dict[str, str], dict[str, int], Path]:
    env = cli_env(tmp_path)
    ids = asyncio.run(fill(Path(env["POLICYBOT_DB"])))
    return env, ids, Path(env["POLICYBOT_DB"])


@pytest.mark.slow
def test_gaps_list_json(filled: tuple[dict[str, str], dict[str, int], Path]) -> None:
    env, ids, _ = filled
    out = run_cli(env, "gaps", "list", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data[0]["id"] == ids["popular"]
    assert {g["id"] for g in data} == {ids["popular"], ids["api"], ids["old"]}
    top = data[0]
    assert set(top) >= {
        "id",
        "question",
        "normalised",
        "surface",
        "count",
        "first_seen",
        "last_seen",
        "status",
        "best_entry_id",
        "best_score",
        "resolved_entry_id",
    }
    assert top["count"] == 3
    assert top["question"] == "does claude train on my chats?"
    assert (top["status"], top["surface"]) == ("open", "claude-ai")
    assert (top["best_entry_id"], top["best_score"]) == ("training-default", 71.5)
    assert top["resolved_entry_id"] is None
    assert datetime.fromisoformat(top["last_seen"]) > datetime.fromisoformat(top["first_seen"])


@pytest.mark.slow
def test_gaps_list_filters(filled: tuple[dict[str, str], dict[str, int], Path]) -> None:
    env, ids, _ = filled
    resolved = json.loads(run_cli(env, "gaps", "list", "--status", "resolved", "--json").stdout)
    assert [(g["id"], g["resolved_entry_id"]) for g in resolved] == [
        (ids["resolved"], "human-review")
    ]
    everything = json.loads(run_cli(env, "gaps", "list", "--status", "all", "--json").stdout)
    assert len(everything) == 5
    api = json.loads(run_cli(env, "gaps", "list", "--surface", "api", "--json").stdout)
    assert [g["id"] for g in api] == [ids["api"]]
    bad = run_cli(env, "gaps", "list", "--status", "closed")
    assert bad.returncode == 2


@pytest.mark.slow
def test_gaps_list_text(filled: tuple[dict[str, str], dict[str, int], Path]) -> None:
    env, ids, _ = filled
    out = run_cli(env, "gaps", "list")
    assert out.returncode == 0, out.stderr
    assert f"#{ids['popular']}" in out.stdout
    assert "x3" in out.stdout
    assert "does claude train on my chats?" in out.stdout
    assert "training-default" in out.stdout


@pytest.mark.slow
def test_gaps_export_csv_neutralises_formulas(tmp_path: Path) -> None:
    env = cli_env(tmp_path)

    async def hostile() -> None:
        async with SQLiteStorage(Path(env["POLICYBOT_DB"])) as storage:
            for i, text in enumerate((*HOSTILE, 'plain, with "quotes"\nand a newline')):
                await storage.record_gap(
                    GapEvent(text, f"u{i}", "none", surface=f"s{i}", at=NOW - timedelta(hours=i))
                )

    asyncio.run(hostile())
    target = tmp_path / "gaps.csv"
    out = run_cli(env, "gaps", "export", str(target))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    questions = {row["question"] for row in rows}
    for text in HOSTILE:
        stored = text.strip()  # storage trims, which already disarms leading tab / CR
        expected = "'" + stored if stored.startswith(("=", "+", "-", "@")) else stored
        assert expected in questions, text
    assert 'plain, with "quotes"\nand a newline' in questions
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value

    stdout = run_cli(env, "gaps", "export", "-", "--status", "all")
    assert stdout.returncode == 0
    assert stdout.stdout.splitlines()[0].startswith("id,question,normalised,surface,count")


@pytest.mark.slow
def test_aliases_export_yaml(filled: tuple[dict[str, str], dict[str, int], Path]) -> None:
    env, _, _ = filled
    out = run_cli(env, "aliases", "export")
    assert out.returncode == 0, out.stderr
    document = yaml.safe_load(out.stdout)
    assert document == {
        "entries": [
            {
                "id": "human-review",
                "questions": ["can staff read my prompts", "do people look at my chats"],
            },
            {"id": "training-default", "questions": ["is my chat used to train models"]},
        ]
    }


@pytest.mark.slow
def test_purge_default_and_explicit_days(
    filled: tuple[dict[str, str], dict[str, int], Path],
) -> None:
    env, ids, _ = filled
    out = run_cli(env, "purge")
    assert out.returncode == 0, out.stderr
    assert "Purged 3 row(s) older than 90 day(s)." in out.stdout  # gap event, vote, question
    remaining = {g["id"] for g in json.loads(run_cli(env, "gaps", "list", "--json").stdout)}
    assert ids["old"] not in remaining and ids["popular"] in remaining

    shorter = run_cli({**env, "POLICYBOT_RETENTION_DAYS": "1"}, "purge")
    assert "Purged 0 row(s) older than 1 day(s)." in shorter.stdout
    assert run_cli(env, "purge", "--days", "0").returncode == 2


@pytest.mark.slow
def test_purge_days_sets_the_window(tmp_path: Path) -> None:
    env = cli_env(tmp_path)

    async def three_days_old() -> None:
        async with SQLiteStorage(Path(env["POLICYBOT_DB"])) as storage:
            await storage.record_gap(
                GapEvent("asked three days ago", "u1", "none", at=NOW - timedelta(days=3))
            )
            await storage.record_gap(GapEvent("asked just now", "u1", "none", at=NOW))

    asyncio.run(three_days_old())
    assert "Purged 0 row(s)" in run_cli(env, "purge", "--days", "5").stdout
    assert "Purged 1 row(s) older than 2 day(s)." in run_cli(env, "purge", "--days", "2").stdout
    left = json.loads(run_cli(env, "gaps", "list", "--json").stdout)
    assert [g["question"] for g in left] == ["asked just now"]


@pytest.mark.slow
def test_verbs_work_while_the_bot_holds_the_database(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    path = Path(env["POLICYBOT_DB"])

    async def bot_running() -> list[dict]:
        async with SQLiteStorage(path) as bot_side:
            await bot_side.record_gap(GapEvent("asked while running", "u1", "none"))
            listing = await asyncio.to_thread(run_cli, env, "gaps", "list", "--json")
            purge = await asyncio.to_thread(run_cli, env, "purge")
            assert purge.returncode == 0, purge.stderr
            await bot_side.record_gap(GapEvent("asked while running!", "u2", "none"))
            assert listing.returncode == 0, listing.stderr
            return json.loads(listing.stdout)

    seen = asyncio.run(bot_running())
    assert [g["question"] for g in seen] == ["asked while running"]
    after = json.loads(run_cli(env, "gaps", "list", "--json").stdout)
    assert after[0]["count"] == 2


@pytest.mark.slow
def test_missing_database_is_an_error_not_an_empty_list(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "nowhere")
    out = run_cli(env, "gaps", "list", "--json")
    assert out.returncode == 2
    assert "no database" in out.stderr
    assert not Path(env["POLICYBOT_DB"]).exists()


# -- the export helpers, directly --------------------------------------------------------
@pytest.mark.parametrize("text", [*HOSTILE, "-", "=", "@"])
def test_neutralise_cell_prefixes_formula_starts(text: str) -> None:
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["how long is data kept?", "", "1.5", "'already", " =later"])
def test_neutralise_cell_leaves_plain_text(text: str) -> None:
    assert neutralise_cell(text) == text
    assert neutralise_cell(None) == ""


def test_gaps_csv_round_trips_through_a_csv_reader() -> None:
    group = GapGroup(
        id=7,
        question="=cmd|' /C calc'!A0",
        normalised="cmd c calc a0",
        surface=None,
        count=2,
        first_seen=NOW,
        last_seen=NOW,
        status=GapStatus.OPEN,
        best_entry_id="-entry",
        best_score=12.0,
    )
    [row] = list(csv.DictReader(io.StringIO(gaps_csv([group]), newline="")))
    assert row["question"] == "'=cmd|' /C calc'!A0"
    assert row["best_entry_id"] == "'-entry"
    assert (row["id"], row["count"], row["surface"], row["status"]) == ("7", "2", "", "open")


def test_aliases_yaml_groups_sorts_and_dedupes() -> None:
    text = aliases_yaml(
        [("b", "second q"), ("a", "z last"), ("b", "first q"), ("a", "a first"), ("b", "first q")]
    )
    assert yaml.safe_load(text) == {
        "entries": [
            {"id": "a", "questions": ["a first", "z last"]},
            {"id": "b", "questions": ["first q", "second q"]},
        ]
    }
    assert yaml.safe_load(aliases_yaml([])) == {"entries": []}
    long = "x" * MAX_QUESTION_CHARS + ": with a colon"
    assert yaml.safe_load(aliases_yaml([("e", long)]))["entries"][0]["questions"] == [long]


def test_gaps_list_shows_control_characters_escaped() -> None:
    # A stranger's question could carry terminal escape sequences (clear screen, recolour,
    # retitle) or a bidi override; the curator's terminal gets visible escapes instead.
    from bot.console.curation import _printable

    shown = _printable("does it \x1b[2J\x1b]0;pwned\x07 train \u202eon me? ünïcode ok")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b[2J" in shown and "\\u202e" in shown and "ünïcode ok" in shown
