"""`policybot ask` and `policybot console`: the Discord bot's answers, in a terminal.

Uses the same AnswerService as the bot, so what a curator sees here is what Discord shows.
`--batch` reads JSON Lines and writes exactly one JSON object per input line, in order;
a bad line yields an error object, never a failed batch.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
import textwrap
from collections.abc import Iterable
from typing import IO, Any

from bot.console.common import add_set_option, load_service
from bot.core.present import result_to_dict
from bot.core.result import Outcome, Result
from bot.core.service import AnswerService
from bot.knowledge.model import Entry, Knowledge

WIDTH = 88


def register(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser("ask", help="answer one question (or a batch) from the knowledge")
    ask.add_argument("question", nargs="*", help="the question, as people would type it")
    ask.add_argument("--surface", "-s", default=None, help="answer within this surface id")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--batch", metavar="FILE", help="JSON Lines file, or - for stdin")
    ask.add_argument("--explain", action="store_true", help="show why this answer was chosen")
    ask.add_argument("--knowledge", metavar="DIR", help="knowledge directory to use")
    add_set_option(ask)
    ask.set_defaults(func=run_ask)

    console = sub.add_parser("console", help="an interactive prompt for trying questions")
    console.add_argument("--surface", "-s", default=None)
    console.add_argument("--knowledge", metavar="DIR")
    add_set_option(console)
    console.set_defaults(func=run_console)


def run_ask(args: argparse.Namespace) -> int:
    service = load_service(args.knowledge, args.overrides)
    if args.surface:
        surface = service.resolve_surface(args.surface)
        if surface is None:
            known = ", ".join(service.knowledge.surfaces)
            print(f"policybot: unknown surface {args.surface!r}; use one of: {known}",
                  file=sys.stderr)
            return 2
        args.surface = surface
    if args.batch:
        # Bytes in and out, coded here: whatever the locale, invalid UTF-8 becomes U+FFFD and
        # a byte-order mark is dropped, instead of a codec error ending the batch mid-way.
        # Lines end at "\n" only (JSON Lines; a "\r\n" ending's "\r" is JSON whitespace), so
        # a stray "\r" cannot turn one input line into two results.
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace",
                               line_buffering=True)
        if args.batch == "-":
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="replace",
                                      newline="\n")
        else:
            try:
                raw = open(args.batch, "rb")  # noqa: SIM115
            except OSError as exc:
                out.detach()
                print(f"policybot: cannot read {args.batch}: {exc.strerror or exc}",
                      file=sys.stderr)
                return 2
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace",
                                      newline="\n")
        try:
            run_batch(service, stream, out, explain=args.explain, surface=args.surface)
        finally:
            out.flush()
            out.detach()  # the wrappers must not close the process's own stdin and stdout
            if args.batch == "-":
                stream.detach()
            else:
                stream.close()
        return 0
    question = " ".join(args.question)
    result = service.ask(question, args.surface)
    if args.json:
        data = result_to_dict(result, service.knowledge, explain=args.explain)
        print(json_line(data))
    else:
        print(render(result, service.knowledge, explain=args.explain))
    return 0


def run_batch(service: AnswerService, lines: Iterable[str], out: IO[str], *,
              explain: bool = False, surface: str | None = None) -> int:
    """Answer each JSON Lines item; one output object per input line, whatever the line.

    `surface` (the `--surface` option) applies to every line that names no surface itself.
    """
    count = 0
    for number, line in enumerate(lines, start=1):
        try:
            data = _batch_item(service, line, number, explain, surface)
        except Exception as exc:  # one line's failure must not end the batch
            data = _error_item(service, f"line {number}: could not be answered ({exc!r})")
        out.write(json_line(data) + "\n")
        out.flush()
        count += 1
    return count


# Characters JSON may leave raw inside strings but that str.splitlines() (and some JSON
# Lines readers) treat as line breaks: escaped, so one object is always one line.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(data: dict[str, Any]) -> str:
    """One JSON object on exactly one line, non-ASCII text kept readable."""
    return json.dumps(data, ensure_ascii=False).translate(_LINE_BREAKS)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: object) -> str:
    """A string as it can be written back out: JSON may escape lone surrogates ("\\ud800"),
    which no UTF-8 output can carry, so they become U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else ""


class _NotFinite(ValueError):
    """A number no strict JSON reader accepts (Python's reads NaN, Infinity and 1e999)."""


def _no_constant(name: str) -> float:
    raise _NotFinite(name)


def _finite(text: str) -> float:
    """A JSON number as a float, refusing ones that would be echoed as NaN or Infinity."""
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _batch_item(service: AnswerService, line: str, number: int, explain: bool,
                default_surface: str | None = None) -> dict[str, Any]:
    knowledge = service.knowledge
    try:
        line = line.lstrip("\ufeff")
        item = (json.loads(line, parse_constant=_no_constant, parse_float=_finite)
                if line.strip() else {"question": ""})
    except json.JSONDecodeError as exc:
        return _error_item(service, f"line {number}: not JSON ({exc.msg})")
    except _NotFinite:
        return _error_item(service, f"line {number}: not JSON (NaN and Infinity are not "
                                    "JSON numbers)")
    if isinstance(item, str):
        item = {"question": item}
    if not isinstance(item, dict):
        return _error_item(service, f"line {number}: expected an object with 'question'")
    # "q" is what an eval set calls it, so curators can pipe eval items straight in.
    key = "question" if "question" in item or "q" not in item else "q"
    raw = item.get(key)
    question = _text(raw)
    named = item.get("surface")
    surface = default_surface if named in (None, "") else service.resolve_surface(named)
    data = result_to_dict(service.ask(question, surface), knowledge, explain=explain)
    if named not in (None, "") and surface is None:
        data["error"] = f"unknown surface {item.get('surface')!r}; answered without one"
    if raw is not None and not isinstance(raw, str):
        data["error"] = f"line {number}: '{key}' must be a string, found {type(raw).__name__}"
    elif key not in item and line.strip():
        data["error"] = f"line {number}: no 'question' field"
    if "id" in item:
        data["id"] = _text(item["id"]) if isinstance(item["id"], str) else item["id"]
    return data


def _error_item(service: AnswerService, message: str) -> dict[str, Any]:
    data = result_to_dict(service.ask("", None), service.knowledge)
    data["question"] = None
    data["error"] = message
    return data


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def _entry_block(entry: Entry, knowledge: Knowledge, heading: str | None = None) -> list[str]:
    source = knowledge.sources[entry.source]
    terms = ", ".join(knowledge.terms[t].name for t in entry.terms if t in knowledge.terms)
    lines = [heading or entry.title, _wrap(entry.answer, "  "), ""]
    lines.append(_wrap(f"“{entry.quote}”", "  │ "))
    lines.append(f"  — {source.title}")
    lines.append(f"    {source.url}")
    lines.append(f"    verified {source.verified}" + (f" · {terms}" if terms else ""))
    return lines


def render(result: Result, knowledge: Knowledge, *, explain: bool = False) -> str:
    """Readable terminal output for one result."""
    lines: list[str] = []
    if result.outcome is Outcome.ANSWER and result.entry is not None:
        lines += _entry_block(result.entry, knowledge)
        if result.variants:
            lines += ["", "This depends on which product you use:"]
            for variant in result.variants:
                names = ", ".join(knowledge.surfaces[s].name for s in variant.surfaces
                                  if s in knowledge.surfaces)
                lines += ["", *_entry_block(variant, knowledge, f"▸ {names}: {variant.title}")]
    elif result.outcome is Outcome.SUGGEST:
        lines.append("No confident answer. Did you mean:")
        for i, candidate in enumerate(result.suggestions, start=1):
            lines.append(f"  {i}. {candidate.entry.title}  ({candidate.entry.id})")
    elif result.unasked:
        lines.append("Nothing to look up: ask a question about the policies in the knowledge "
                     "(`policybot kb export --json` lists them).")
    else:
        lines.append("I don't have a sourced answer for that yet (the Discord bot logs such "
                     "questions for the curators). `policybot kb export --json` lists what I "
                     "do know.")
    if explain and result.explanation is not None:
        ex = result.explanation
        lines += ["", "Why:", f"  normalised: {ex.normalised!r}"]
        if ex.folds:
            lines.append(f"  folds: {', '.join(ex.folds)}")
        if result.surface:
            lines.append(f"  surface: {result.surface} ({ex.surface_source})")
        lines.append(f"  decision: {ex.reason}")
        for candidate in ex.top:
            share = f"  (word model {candidate.word_model:+.1f})" if candidate.word_model else ""
            lines.append(f"  {candidate.score:6.1f}  {candidate.entry.id}  ← "
                         f"{candidate.matched!r}{share}")
    return "\n".join(lines)


CONSOLE_HELP = """Type a question to see what the bot answers, and why. Commands:
  :surface ID   ask as that surface's command would (its id, or a word of its name)
  :surface      ask with no surface, as a mention would
  :surfaces     list the surfaces
  :explain      show or hide the "Why:" part (shown at first)
  :help         this list
  :q            quit (or end the input)"""


def run_console(args: argparse.Namespace) -> int:
    """An interactive prompt; lines starting with ':' are commands, never questions."""
    service = load_service(args.knowledge, args.overrides)
    surface = service.resolve_surface(args.surface)
    explain = True
    print("policybot console. Type a question; ':help' lists commands, ':q' quits.")
    while True:
        try:
            line = input("? ").strip()
        except EOFError:
            print()
            return 0
        if line in {":q", ":quit", "exit"}:
            return 0
        if not line.startswith(":"):
            if line:
                print(render(service.ask(line, surface), service.knowledge, explain=explain))
                print()
            continue
        command, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        surfaces = service.knowledge.surfaces
        if command == "surface":
            chosen = service.resolve_surface(rest) if rest else None
            if rest and chosen is None:
                print(f"no surface is called {rest!r}; known: {', '.join(surfaces)}")
            else:
                surface = chosen
                print(f"surface: {surface or '(none)'}")
        elif command == "surfaces":
            for surface_id, info in surfaces.items():
                print(f"  {surface_id:16} {info.name}")
        elif command == "explain":
            explain = not explain
            print(f"explanations {'on' if explain else 'off'}")
        elif command in {"help", "?", "h"}:
            print(CONSOLE_HELP)
        else:
            print(f"unknown command {line.split()[0]!r}; ':help' lists them")
