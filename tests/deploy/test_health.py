"""`policybot health`, the Docker HEALTHCHECK, driven as Docker drives it: a subprocess whose
exit status and last line are all that count. Heartbeats are written through the storage
interface, as the running bot writes them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.console.health import DEFAULT_MAX_AGE, diagnose
from bot.settings import Settings
from bot.storage import open_storage

REPO = Path(__file__).resolve().parents[2]


def env_for(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.pop("DISCORD_TOKEN", None)
    env.update(PYTHONPATH=str(REPO), POLICYBOT_DATA_DIR=str(db.parent), POLICYBOT_DB=str(db))
    env.update(extra)
    return env


def health(db: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", *args],
        capture_output=True,
        text=True,
        env=env_for(db, **extra),
        cwd=REPO,
        timeout=60,
        check=False,
    )


def settings_for(db: Path) -> Settings:
    return Settings(data_dir=db.parent, db_path=db)


async def create(db: Path, beat: datetime | None = None) -> None:
    """A database as the bot leaves it: migrated, with a heartbeat at `beat` if given."""
    async with open_storage(settings_for(db)) as storage:
        if beat is not None:
            await storage.heartbeat(beat)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "policybot.sqlite3"


@pytest.mark.slow
def test_fresh_database_without_heartbeat_is_unhealthy(db: Path) -> None:
    asyncio.run(create(db))
    done = health(db)
    assert done.returncode == 1, done
    assert "no heartbeat" in one_line(done.stderr)


@pytest.mark.slow
def test_stale_heartbeat_is_unhealthy(db: Path) -> None:
    asyncio.run(create(db, datetime.now(UTC) - timedelta(seconds=DEFAULT_MAX_AGE + 60)))
    done = health(db)
    assert done.returncode == 1, done
    line = one_line(done.stderr)
    assert "last heartbeat" in line and "older than 120 s" in line


@pytest.mark.slow
def test_fresh_heartbeat_is_healthy(db: Path) -> None:
    asyncio.run(create(db, datetime.now(UTC)))
    done = health(db)
    assert done.returncode == 0, done
    assert done.stderr == ""
    assert one_line(done.stdout) == "policybot health: ok"


@pytest.mark.slow
def test_max_age_is_honoured(db: Path) -> None:
    asyncio.run(create(db, datetime.now(UTC) - timedelta(seconds=60)))
    assert health(db, "--max-age", "300").returncode == 0
    tight = health(db, "--max-age", "30")
    assert tight.returncode == 1
    assert "older than 30 s" in one_line(tight.stderr)


@pytest.mark.parametrize("age", ["nan", "inf", "0"])
def test_max_age_must_be_a_positive_number(db: Path, age: str) -> None:
    # "nan" compared false with everything, so a stale bot was always reported healthy.
    asyncio.run(create(db, datetime.now(UTC) - timedelta(days=30)))
    done = health(db, "--max-age", age)
    assert done.returncode == 1 and "positive number" in one_line(done.stderr)


@pytest.mark.slow
def test_missing_database_is_unhealthy_and_not_created(db: Path) -> None:
    done = health(db)
    assert done.returncode == 1, done
    line = one_line(done.stderr)
    assert "no database at" in line and str(db) in line
    assert not db.exists() and not db.parent.exists()


@pytest.mark.slow
def test_unreadable_database_is_unhealthy(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a SQLite database" * 100)
    done = health(db)
    assert done.returncode == 1, done
    assert "unavailable" in one_line(done.stderr)


@pytest.mark.slow
def test_bad_setting_is_status_one_not_two(db: Path) -> None:
    asyncio.run(create(db, datetime.now(UTC)))
    done = health(db, POLICYBOT_RETENTION_DAYS="soon")
    assert done.returncode == 1, done
    assert "POLICYBOT_RETENTION_DAYS" in one_line(done.stderr)


def test_diagnose_reads_the_heartbeat_the_bot_writes(db: Path) -> None:
    """In-process, with an injected clock: a beat exactly `max_age` old still counts."""
    beat = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    asyncio.run(create(db, beat))
    settings = settings_for(db)
    assert diagnose(settings, 120, now=beat + timedelta(seconds=120)) is None
    late = diagnose(settings, 120, now=beat + timedelta(seconds=121))
    assert late is not None and "121 s ago" in late


def test_diagnose_refuses_memory_database() -> None:
    problem = diagnose(Settings(db_path=Path(":memory:")), 120)
    assert problem is not None and ":memory:" in problem
