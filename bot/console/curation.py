"""Curation from a terminal: `policybot gaps list|export`, `aliases export`, `purge`.

These verbs open the same database the running bot writes (SQLite in WAL mode lets them read
while it writes; `purge` waits on the bot's write lock via the busy timeout), so curation
works from scripts and cron as well as from Discord. No discord import.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.errors import ConfigError
from bot.settings import Settings
from bot.storage import GapGroup, GapStatus, Storage, open_storage, purge_expired
from bot.storage.base import utcnow
from bot.storage.export import aliases_yaml, gap_to_dict, write_gaps_csv

#: Enough to export everything a curator could ever page through, bounded all the same.
EXPORT_LIMIT = 100_000
STATUS_CHOICES = ("open", "resolved", "dismissed", "all")

T = TypeVar("T")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `gaps`, `aliases` and `purge` to the `policybot` command line."""
    gaps = sub.add_parser("gaps", help="list or export what the bot could not answer")
    gaps_sub = gaps.add_subparsers(dest="gaps_command", metavar="ACTION", required=True)

    listing = gaps_sub.add_parser("list", help="gap groups ranked by how often they were asked")
    _filters(listing)
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=gaps_list)

    export = gaps_sub.add_parser("export", help="write gap groups to a CSV file ('-' = stdout)")
    export.add_argument("file", metavar="FILE")
    _filters(export)
    export.set_defaults(func=gaps_export)

    aliases = sub.add_parser("aliases", help="curator-added alternate questions")
    aliases_sub = aliases.add_subparsers(dest="aliases_command", metavar="ACTION", required=True)
    alias_export = aliases_sub.add_parser(
        "export", help="print them as YAML ready to merge into knowledge/"
    )
    alias_export.add_argument("--output", "-o", metavar="FILE", help="write here, not stdout")
    alias_export.set_defaults(func=aliases_export)

    purge = sub.add_parser("purge", help="delete gap, feedback and question rows past retention")
    purge.add_argument(
        "--days",
        type=int,
        default=None,
        help="keep this many days (default POLICYBOT_RETENTION_DAYS, 90)",
    )
    purge.set_defaults(func=purge_old)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=STATUS_CHOICES, default="open")
    parser.add_argument("--surface", default=None, help="only this surface id")


def _with_storage(settings: Settings, work: Callable[[Storage], Awaitable[T]]) -> T:
    """Open the configured storage, run `work` on it, close it; all in one event loop."""
    database = settings.database
    if str(database) != ":memory:" and not Path(database).exists():
        # Creating an empty database here would hide a wrong POLICYBOT_DB behind "no gaps".
        raise ConfigError(f"no database at {database} (set POLICYBOT_DB or POLICYBOT_DATA_DIR)")

    async def run() -> T:
        async with open_storage(settings) as storage:
            return await work(storage)

    return asyncio.run(run())


def _status(value: str) -> GapStatus | None:
    return None if value == "all" else GapStatus(value)


def _groups(args: argparse.Namespace, limit: int) -> list[GapGroup]:
    return _with_storage(
        Settings.from_env(),
        lambda storage: storage.list_gaps(_status(args.status), args.surface, limit=limit),
    )


def gaps_list(args: argparse.Namespace) -> int:
    """`policybot gaps list`: ranked groups, as text or `--json`."""
    groups = _groups(args, args.limit)
    if args.json:
        json.dump([gap_to_dict(g) for g in groups], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not groups:
        print("No gaps." if args.status == "all" else f"No {args.status} gaps.")
        return 0
    for g in groups:
        best = f"{g.best_entry_id} ({g.best_score or 0:.0f})" if g.best_entry_id else "-"
        target = f" -> {g.resolved_entry_id}" if g.resolved_entry_id else ""
        print(
            f"#{g.id:<5} x{g.count:<4} {g.status!s:<9} {g.surface or '-':<12} "
            f"best {best}{target}\n       {_printable(g.question)}"
        )
    return 0


def _printable(text: str) -> str:
    """A stranger's question made safe for a curator's terminal.

    Escape sequences (ESC, other C0/C1 controls, bidi overrides) in stored text could move
    the cursor, recolour or retitle the terminal, or reorder what the curator reads; they are
    shown as visible escapes instead.
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def gaps_export(args: argparse.Namespace) -> int:
    """`policybot gaps export FILE`: every matching group as formula-safe CSV."""
    groups = _groups(args, EXPORT_LIMIT)
    if args.file == "-":
        write_gaps_csv(groups, sys.stdout)
        return 0
    # newline="" so the csv module's CRLF row ends are written as they are (RFC 4180).
    with open(args.file, "w", encoding="utf-8", newline="") as handle:
        rows = write_gaps_csv(groups, handle)
    print(f"Wrote {rows} gap group(s) to {args.file}", file=sys.stderr)
    return 0


def aliases_export(args: argparse.Namespace) -> int:
    """`policybot aliases export`: curator-added phrasings as knowledge YAML."""
    aliases = _with_storage(Settings.from_env(), lambda storage: storage.list_aliases())
    text = aliases_yaml(aliases)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def purge_old(args: argparse.Namespace) -> int:
    """`policybot purge`: apply the retention period now (the bot also does it periodically)."""
    settings = Settings.from_env()
    days = settings.retention_days if args.days is None else args.days
    if days < 1:
        raise ConfigError("--days must be at least 1")
    now = utcnow()
    removed = _with_storage(settings, lambda storage: purge_expired(storage, days, now))
    print(f"Purged {removed} row(s) older than {days} day(s).")
    return 0
