"""Gap groups and aliases in the shapes curators take away: CSV, JSON, knowledge YAML.

Shared by `/gaps export` (Discord attachment) and the `policybot` console verbs, so both
neutralise spreadsheet formulas the same way. Question text is typed by strangers: a cell
starting with `=`, `+`, `-`, `@`, a tab or a carriage return could run as a formula when a
curator opens the CSV in a spreadsheet, so such cells get a leading `'` (OWASP's advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

import yaml

from bot.storage.base import Alias, GapGroup

CSV_COLUMNS = (
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
    "dismiss_reason",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """A CSV cell that no spreadsheet will evaluate as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def gap_to_dict(group: GapGroup) -> dict[str, Any]:
    """A gap group as JSON-ready data (the `policybot gaps list --json` shape)."""
    return {
        "id": group.id,
        "question": group.question,
        "normalised": group.normalised,
        "surface": group.surface,
        "count": group.count,
        "first_seen": group.first_seen.isoformat(),
        "last_seen": group.last_seen.isoformat(),
        "status": str(group.status),
        "best_entry_id": group.best_entry_id,
        "best_score": group.best_score,
        "resolved_entry_id": group.resolved_entry_id,
        "dismiss_reason": group.dismiss_reason,
    }


def write_gaps_csv(groups: Iterable[GapGroup], stream: IO[str]) -> int:
    """Write a header and one neutralised row per group; returns the rows written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for group in groups:
        data = gap_to_dict(group)
        writer.writerow([neutralise_cell(data[column]) for column in CSV_COLUMNS])
        rows += 1
    return rows


def gaps_csv(groups: Iterable[GapGroup]) -> str:
    """The CSV as text (for a Discord attachment, encode it as UTF-8)."""
    buffer = io.StringIO()
    write_gaps_csv(groups, buffer)
    return buffer.getvalue()


def aliases_yaml(aliases: Iterable[Alias]) -> str:
    """Curator-added phrasings as knowledge YAML: `entries: [{id, questions: [...]}]`.

    Sorted by entry id and question, without duplicates, so successive exports diff cleanly
    and can be merged into the matching entries in `knowledge/`.
    """
    by_entry: dict[str, set[str]] = {}
    for entry_id, question in aliases:
        by_entry.setdefault(entry_id, set()).add(question)
    document = {
        "entries": [
            {"id": entry_id, "questions": sorted(questions)}
            for entry_id, questions in sorted(by_entry.items())
        ]
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
