"""`policybot eval FILE`: measure a question set against the knowledge before deploying it.

Curators run this after editing the knowledge: it says how many questions are answered
with the right entry, how many wrongly (the costly mistake), whether the right entry is at
least suggested, and whether must-not-answer questions are left alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.console.common import add_set_option, load_knowledge_from, settings_for
from bot.core.match_settings import MatchSettings, parse_assignment
from bot.core.result import Outcome, Result
from bot.core.service import AnswerService
from bot.errors import ConfigError
from bot.knowledge.model import Knowledge


@dataclass(frozen=True, slots=True)
class Item:
    q: str
    surface: str | None
    expect: str | None
    split: str
    topic: str
    also: tuple[str, ...] = ()  # other entries that answer the question just as fully


@dataclass(slots=True)
class Tally:
    """Counts for one slice of the question set."""

    answerable: int = 0
    unanswerable: int = 0
    correct: int = 0
    wrong: int = 0
    suggested_first: int = 0
    suggested_any: int = 0
    ranked_first: int = 0  # the right entry was the matcher's first choice, whatever it decided
    false_abstain: int = 0
    correct_abstain: int = 0
    false_answer: int = 0  # answered a must-not-answer question
    failures: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: Item, result: Result, accepted: set[str]) -> None:
        got = result.entry.id if result.entry else None
        suggested = [c.entry.id for c in result.suggestions]
        if item.expect is None:
            self.unanswerable += 1
            if result.outcome is Outcome.ANSWER:
                self.false_answer += 1
                self._fail(item, result, "answered a must-not-answer question")
            else:
                self.correct_abstain += 1
            return
        self.answerable += 1
        first = result.explanation.top[0].entry.id if result.explanation and \
            result.explanation.top else None
        if got in accepted or first in accepted:
            self.ranked_first += 1
        if result.outcome is Outcome.ANSWER:
            if got in accepted:
                self.correct += 1
            else:
                self.wrong += 1
                self._fail(item, result, "wrong entry")
        elif result.outcome is Outcome.SUGGEST:
            if suggested and suggested[0] in accepted:
                self.suggested_first += 1
            if accepted.intersection(suggested):
                self.suggested_any += 1
            self._fail(item, result, "suggested only")
        else:
            self.false_abstain += 1
            self._fail(item, result, "no answer")

    def _fail(self, item: Item, result: Result, why: str) -> None:
        self.failures.append({
            "q": item.q, "surface": item.surface, "expect": item.expect, "why": why,
            "outcome": str(result.outcome), "got": result.entry.id if result.entry else None,
            "score": result.score,
            "suggestions": [c.entry.id for c in result.suggestions],
        })

    def figures(self) -> dict[str, Any]:
        answered = self.correct + self.wrong + self.false_answer
        return {
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "correct": self.correct,
            "wrong": self.wrong,
            "suggested_first": self.suggested_first,
            "suggested_any": self.suggested_any,
            "ranked_first": self.ranked_first,
            "false_abstain": self.false_abstain,
            "correct_abstain": self.correct_abstain,
            "false_answer": self.false_answer,
            "accuracy": _ratio(self.correct, self.answerable),
            "ranked_first_rate": _ratio(self.ranked_first, self.answerable),
            "wrong_rate": _ratio(self.wrong + self.false_answer, answered),
            "abstain_rate": _ratio(self.correct_abstain, self.unanswerable),
        }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="measure a question set against the knowledge")
    parser.add_argument("file", nargs="+",
                        help="YAML question set (items: q, surface, expect, split); several "
                             "files are measured together, each split under its own name")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--split", help="only items of this split (e.g. dev or test)")
    parser.add_argument("--failures", action="store_true", help="list every miss")
    parser.add_argument("--held", metavar="SPLIT[,SPLIT...]",
                        help="pool these splits as 'held out' and every other split as "
                             "'tuned on', and report both pools")
    parser.add_argument("--knowledge", metavar="DIR")
    add_set_option(parser)
    parser.add_argument("--sweep", metavar="NAME=V1,V2,...", type=_sweep,
                        help="measure once per value of one matcher setting and print a line "
                             "per value (with --held, for both pools): the trade-off between "
                             "right answers, wrong answers and abstentions in one table")
    parser.set_defaults(func=run_eval)


def _sweep(text: str) -> tuple[str, list[object]]:
    name, sep, raw = text.partition("=")
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not sep or not values:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=V1,V2,...")
    try:
        return name.strip(), [parse_assignment(f"{name}={v}")[1] for v in values]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def load_items(path: Path, split: str | None = None) -> list[Item]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read question set {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"question set {path} is not valid YAML: {exc}") from exc
    raw = data.get("questions", []) if isinstance(data, dict) else data
    if not isinstance(raw, list | None):
        raise ConfigError(f"question set {path}: expected a list of questions")
    items = []
    for number, row in enumerate(raw or [], start=1):
        if not isinstance(row, dict) or not isinstance(row.get("also"), str | list | None) \
                or not all(isinstance(row.get(key), str | None) for key in ("expect", "surface")):
            raise ConfigError(f"question set {path}: item {number} is not a mapping with "
                              "'q' and a text (or null) 'expect' and 'surface'")
        also = row.get("also") or ()
        item = Item(q=str(row.get("q", "")), surface=row.get("surface"), expect=row.get("expect"),
                    split=str(row.get("split", "dev")), topic=str(row.get("topic", "")),
                    also=tuple(str(a) for a in ([also] if isinstance(also, str) else also)))
        if split is None or item.split == split:
            items.append(item)
    return items


def evaluate(service: AnswerService, items: list[Item],
             held: Collection[str] | None = None) -> dict[str, Any]:
    """Run every item; figures overall, per split and per topic, plus latency.

    With `held`, also the two pools a tuning decision needs: the held-out splits together and
    every other split together (one split's handful of real questions says little alone).
    """
    knowledge = service.knowledge
    overall = Tally()
    pools: dict[str, Tally] = {"tuned": Tally(), "held": Tally()} if held is not None else {}
    per_split: dict[str, Tally] = defaultdict(Tally)
    per_topic: dict[str, Tally] = defaultdict(Tally)
    latencies: list[float] = []
    unknown = Counter()
    # A surface is read as in a batch line (its id, name or words); one nobody knows would
    # silently ask without a surface and measure the wrong thing.
    surfaces = {item.surface: service.resolve_surface(item.surface)
                for item in items if item.surface}
    strangers = sorted(name for name, found in surfaces.items() if found is None)
    if strangers:
        raise ConfigError(f"unknown surface(s) in the question set: {', '.join(strangers)}; "
                          f"use one of: {', '.join(knowledge.surfaces)}")
    for item in items:
        for expected_id in (item.expect, *item.also):
            if expected_id is not None and expected_id not in knowledge.entries:
                unknown[expected_id] += 1
        start = time.perf_counter()
        result = service.ask(item.q, surfaces.get(item.surface))  # explanation: the ranking
        latencies.append((time.perf_counter() - start) * 1000)
        accepted = {item.expect, *item.also} if item.expect else set()
        expected = knowledge.entries.get(item.expect) if item.expect else None
        topic = item.topic or (expected.topic if expected else "(must not answer)")
        tallies = [overall, per_split[item.split], per_topic[topic]]
        if pools:
            tallies.append(pools["held" if item.split in held else "tuned"])
        for tally in tallies:
            tally.add(item, result, accepted)
    latencies.sort()
    report = {
        "knowledge_version": knowledge.version,
        "questions": len(items),
        "overall": overall.figures(),
        "splits": {k: v.figures() for k, v in sorted(per_split.items())},
        "topics": {k: v.figures() for k, v in sorted(per_topic.items())},
        "latency_ms": {
            "p50": round(statistics.median(latencies), 3) if latencies else 0.0,
            "p99": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3)
            if latencies else 0.0,
        },
        "unknown_expected_ids": dict(unknown),
        "failures": overall.failures,
    }
    if pools:
        report["pools"] = {name: tally.figures() for name, tally in pools.items()}
    return report


def run_eval(args: argparse.Namespace) -> int:
    knowledge = load_knowledge_from(args.knowledge)
    settings = settings_for(knowledge, args.overrides)
    items = [item for name in args.file for item in load_items(Path(name), args.split)]
    held = None
    if args.held is not None:
        held = {name.strip() for name in args.held.split(",") if name.strip()}
        unknown = held - {item.split for item in items}
        if unknown:
            print(f"error: --held names splits no file has: {', '.join(sorted(unknown))}",
                  file=sys.stderr)
            return 2
    if args.sweep:
        name, values = args.sweep
        rows = sweep(knowledge, settings, items, held, name, values)
        print(json.dumps({"setting": name, "rows": rows}, ensure_ascii=False, indent=2)
              if args.json else format_sweep(name, rows))
        return 0
    report = evaluate(AnswerService(knowledge, settings), items, held)
    if args.json:
        if not args.failures:
            report = {k: v for k, v in report.items() if k != "failures"}
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(format_report(report, failures=args.failures))
    if report["unknown_expected_ids"]:
        print(f"warning: expected ids not in the knowledge: {report['unknown_expected_ids']}",
              file=sys.stderr)
    return 0


def sweep(knowledge: Knowledge, base: MatchSettings, items: list[Item],
          held: Collection[str] | None, name: str, values: list[object]) -> list[dict[str, Any]]:
    """The figures once per value of one setting, everything else as `base`."""
    rows = []
    for value in values:
        service = AnswerService(knowledge, base.with_overrides({name: value}))
        report = evaluate(service, items, held)
        rows.append({"value": value, "overall": report["overall"], **(
            {"pools": report["pools"]} if "pools" in report else {})})
    return rows


def format_sweep(name: str, rows: list[dict[str, Any]]) -> str:
    """One line per value: right / answerable, wrong among answers, abstained / must-not."""
    def cell(f: dict[str, Any]) -> str:
        return (f"{f['correct']:>4}/{f['answerable']:<4} {f['wrong_rate']:>6.1%} "
                f"{f['correct_abstain']:>4}/{f['unanswerable']:<4}")

    pools = list(rows[0].get("pools", {})) if rows else []
    heads = ["overall", *pools]
    lines = [f"{name:>18}  " + "  ".join(f"{h:<26}" for h in heads),
             f"{'':>18}  " + "  ".join(f"{'right':>9} {'wrong':>6} {'abstain':>9}"
                                       for _ in heads)]
    for row in rows:
        cells = [cell(row["overall"]), *(cell(row["pools"][p]) for p in pools)]
        lines.append(f"{row['value']!s:>18}  " + "  ".join(f"{c:<26}" for c in cells))
    return "\n".join(lines)


def format_report(report: dict[str, Any], *, failures: bool = False) -> str:
    def block(name: str, f: dict[str, Any]) -> list[str]:
        return [
            f"{name}: {f['answerable']} answerable, {f['unanswerable']} must-not-answer",
            f"  correct answers      {f['correct']:>4}  ({f['accuracy']:.1%} of answerable)",
            f"  wrong answers        {f['wrong']:>4}",
            f"  right entry suggested first {f['suggested_first']}, anywhere {f['suggested_any']}",
            f"  right entry ranked first {f['ranked_first']:>4}  ({f['ranked_first_rate']:.1%}, "
            "whatever the decision)",
            f"  false abstentions    {f['false_abstain']:>4}",
            f"  correct abstentions  {f['correct_abstain']:>4}  ({f['abstain_rate']:.1%})",
            f"  answered must-not    {f['false_answer']:>4}",
            f"  wrong among answers  {f['wrong_rate']:.1%}",
        ]

    lines = [f"{report['questions']} questions, knowledge {report['knowledge_version']}"]
    lines += block("overall", report["overall"])
    for name, figures in report.get("pools", {}).items():
        what = "held-out splits" if name == "held" else "all other splits"
        lines += block(f"pool {name} ({what})", figures)
    for name, figures in report["splits"].items():
        lines += block(f"split {name}", figures)
    lines.append("per topic (correct/answerable, abstained/must-not):")
    for topic, f in report["topics"].items():
        lines.append(f"  {topic:<22} {f['correct']:>3}/{f['answerable']:<3} "
                     f"{f['correct_abstain']:>3}/{f['unanswerable']}")
    lat = report["latency_ms"]
    lines.append(f"match latency: p50 {lat['p50']} ms, p99 {lat['p99']} ms")
    if failures:
        lines.append("misses:")
        for miss in report["failures"]:
            lines.append(f"  [{miss['why']}] {miss['q'][:80]!r} expect={miss['expect']} "
                         f"got={miss['got']} {miss['outcome']} {miss['score']} "
                         f"sugg={miss['suggestions']}")
    return "\n".join(lines)
