"""`policybot health`: is the running bot alive? For Docker's HEALTHCHECK and for monitoring.

The bot writes a heartbeat through the storage layer every ~30 seconds; this command reads it
back through the same `Storage` interface (`healthy()`, `last_heartbeat()`), so a wedged event
loop, a dead gateway task or an unreadable database all show up as a stale or missing beat.
It runs as a separate process next to the bot, so it must never create or change anything:
it refuses a missing database file instead of letting the backend create an empty one, and
opening an up-to-date database takes no write lock (the backend's migration fast path).

Every failure is exit status 1 with one line naming the problem, because that status and the
last line are what `docker inspect` shows an operator. No discord import.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from datetime import datetime
from pathlib import Path

from bot.errors import PolicybotError
from bot.settings import Settings
from bot.storage import open_storage
from bot.storage.base import as_utc

#: Four missed 30-second beats: long enough to ride out a slow reconnect or a busy
#: database, short enough that Docker notices a hung bot within a few minutes.
DEFAULT_MAX_AGE = 120.0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `health` to the `policybot` command line."""
    parser = sub.add_parser(
        "health",
        help="exit 0 if the running bot's heartbeat is recent, else 1 (Docker HEALTHCHECK)",
    )
    parser.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE,
        metavar="SECONDS",
        help=f"oldest acceptable heartbeat (default {DEFAULT_MAX_AGE:.0f})",
    )
    parser.set_defaults(func=health)


def diagnose(settings: Settings, max_age: float, now: datetime | None = None) -> str | None:
    """What is wrong with the bot's database and heartbeat, or None when all is well.

    The file checks come first and synchronously: opening a missing path through the
    backend would create an empty database and report "no heartbeat" for a mistyped
    POLICYBOT_DB, which sends an operator looking in the wrong place.
    """
    database = settings.database
    if str(database) == ":memory:":
        return "POLICYBOT_DB is :memory:, which no other process can read a heartbeat from"
    if not Path(database).is_file():
        return f"no database at {database} (has the bot started? check POLICYBOT_DB/DATA_DIR)"
    return asyncio.run(probe(settings, max_age, now))


async def probe(settings: Settings, max_age: float, now: datetime | None = None) -> str | None:
    """The storage half of `diagnose`, for a database known to exist; usable from a loop."""
    database = settings.database
    try:
        async with open_storage(settings) as storage:
            if not await storage.healthy():
                return f"database at {database} does not answer a trivial read"
            beat = await storage.last_heartbeat()
    except PolicybotError as exc:
        # StorageUnavailable: a corrupt, locked or unreadable file. Its text names the
        # error class and never holds user data, so it is fit for the health log.
        return f"database at {database} is unavailable: {exc}"
    if beat is None:
        return "no heartbeat recorded yet (the bot has not started, or cannot write)"
    age = (as_utc(now) - beat).total_seconds()
    if age > max_age:
        return f"last heartbeat {age:.0f} s ago, older than {max_age:.0f} s"
    return None


def health(args: argparse.Namespace) -> int:
    """`policybot health [--max-age SECONDS]`: 0 and an "ok" line, or 1 and the problem."""
    if not math.isfinite(args.max_age) or args.max_age <= 0:
        print("policybot health: --max-age must be a positive number", file=sys.stderr)
        return 1
    try:
        settings = Settings.from_env()
    except PolicybotError as exc:
        # A bad setting makes the container unhealthy like any other fault: status 1, not
        # the entry point's generic 2, so monitoring sees one meaning for failure.
        print(f"policybot health: {exc}", file=sys.stderr)
        return 1
    problem = diagnose(settings, args.max_age)
    if problem is not None:
        print(f"policybot health: {problem}", file=sys.stderr)
        return 1
    print("policybot health: ok")
    return 0
