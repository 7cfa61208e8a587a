"""`policybot kb check` and `policybot kb export`: curators' tools for the knowledge files."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict

from bot.console.common import knowledge_dir
from bot.core.present import entry_fields
from bot.knowledge.loader import check_knowledge
from bot.knowledge.model import Knowledge


def register(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="check or export the knowledge")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="ACTION", required=True)
    check = kb_sub.add_parser("check", help="validate a knowledge directory")
    check.add_argument("directory", nargs="?", help="default: the configured knowledge")
    check.set_defaults(func=run_check)
    export = kb_sub.add_parser("export", help="the loaded knowledge as one JSON document")
    export.add_argument("directory", nargs="?")
    export.add_argument("--json", action="store_true", help="JSON output (the only format)")
    export.set_defaults(func=run_export)


def run_check(args: argparse.Namespace) -> int:
    directory = knowledge_dir(args.directory)
    knowledge, problems = check_knowledge(directory)
    if knowledge is None:
        for problem in problems:
            print(problem)
        print(f"\n{len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(summary(knowledge))
    return 0


def summary(knowledge: Knowledge) -> str:
    """Counts a curator checks after an edit: per surface, source and topic; review notes."""
    entries = knowledge.entries.values()
    per_surface = Counter(s for e in entries for s in e.surfaces)
    per_source = Counter(e.source for e in entries)
    per_topic = Counter(e.topic for e in entries)
    reviews = [e for e in entries if e.review]
    lines = [f"OK: {len(knowledge.entries)} entries, {len(knowledge.sources)} sources, "
             f"{len(knowledge.surfaces)} surfaces, {len(knowledge.synonyms)} synonym groups, "
             f"{sum(len(e.questions) for e in entries)} alternate questions",
             "", "Entries per surface:"]
    lines += [f"  {knowledge.surfaces[s].name:<40} {per_surface[s]:>4}" for s in knowledge.surfaces]
    lines += ["", "Entries per source:"]
    lines += [f"  {sid:<40} {n:>4}" for sid, n in per_source.most_common()]
    unused = [sid for sid in knowledge.sources if sid not in per_source]
    if unused:
        lines.append(f"  (no entries yet: {', '.join(unused)})")
    lines += ["", "Entries per topic:"]
    lines += [f"  {topic:<40} {n:>4}" for topic, n in sorted(per_topic.items())]
    lines += ["", f"Entries with review notes: {len(reviews)}"]
    lines += [f"  {e.id}: {e.review[:100]}" for e in reviews]
    return "\n".join(lines)


def run_export(args: argparse.Namespace) -> int:
    directory = knowledge_dir(args.directory)
    knowledge, problems = check_knowledge(directory)
    if knowledge is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    print(json.dumps(export(knowledge), ensure_ascii=False, indent=2))
    return 0


def export(knowledge: Knowledge) -> dict:
    """The whole knowledge as plain data, entries with their sources resolved."""
    entries = []
    for entry in knowledge.entries.values():
        data = entry_fields(entry, knowledge)
        data.update(questions=list(entry.questions), related=list(entry.related),
                    variants=list(entry.variants), keywords=list(entry.keywords),
                    review=entry.review, file=entry.file, line=entry.line)
        entries.append(data)
    comparison = None
    if knowledge.comparison is not None:
        comparison = {
            "title": knowledge.comparison.title,
            "columns": list(knowledge.comparison.columns),
            "rows": [{"label": r.label, "cells": dict(r.cells), "entries": list(r.entries)}
                     for r in knowledge.comparison.rows],
        }
    return {
        "version": knowledge.version,
        "sources": [asdict(s) for s in knowledge.sources.values()],
        "terms": [asdict(t) for t in knowledge.terms.values()],
        "surfaces": [asdict(s) for s in knowledge.surfaces.values()],
        "synonyms": [asdict(g) for g in knowledge.synonyms],
        "out_of_scope": [asdict(t) for t in knowledge.out_of_scope],
        "comparison": comparison,
        "entries": entries,
    }
