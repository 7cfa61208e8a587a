"""Load a knowledge directory into the immutable model, collecting every problem first.

Curators edit YAML by hand, so one run must report all problems at once, each naming the
file, the line, the entry and what to do about it. Loading never half-succeeds: either a
complete, consistent Knowledge comes back or KnowledgeError lists everything wrong.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.match_settings import override_problem
from bot.knowledge.model import (
    OVERVIEW_FIELDS,
    Comparison,
    ComparisonRow,
    Entry,
    Knowledge,
    OverviewField,
    ScopeTopic,
    Source,
    Surface,
    SynonymGroup,
    Terms,
)
from bot.knowledge.yamlread import LineDict, LineList, YamlSyntaxError, read_yaml

# Discord's limits, which every text shown in an embed must respect.
TITLE_MAX = 256
FIELD_MAX = 1024
DESCRIPTION_MAX = 4096
COMMAND_DESCRIPTION_MAX = 100
MIN_QUESTIONS = 6
MAX_ANSWER_SENTENCES = 3

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ANY_ISO_DATE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
COMMAND_NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")
#: Slash commands the bot itself registers; a surface command with one of these names
#: would stop the bot at start-up (a test checks this list against the bot's commands).
RESERVED_COMMAND_NAMES = frozenset(
    {"ask", "compare", "sources", "privacy", "forget-me", "gaps", "kb"})
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|eg|cf|approx|no)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?:[\"'”’)\]]*)(?=\s+\S|\s*$)")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the knowledge, phrased so a curator can fix it."""

    file: str
    line: int
    entry: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" [{self.entry}]" if self.entry else ""
        return f"{where}:{who} {self.message}. Fix: {self.fix}"


class KnowledgeError(Exception):
    """The knowledge could not be loaded; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = f"{len(problems)} problem(s) in the knowledge"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True, slots=True)
class FieldSpec:
    kind: type | tuple[type, ...]
    required: bool = True
    kind_name: str = ""
    text_items: bool = True  # for lists: every item must be a non-empty string


def _spec(kind: type | tuple[type, ...], required: bool = True, name: str = "",
          text_items: bool = True) -> FieldSpec:
    return FieldSpec(kind, required, name or getattr(kind, "__name__", "value"), text_items)


TEXT = _spec(str, name="text")
OPT_TEXT = _spec(str, required=False, name="text")
LIST = _spec(list, name="list")
OPT_LIST = _spec(list, required=False, name="list")
MAP = _spec(dict, name="mapping")
RECORDS = _spec(list, name="list of mappings", text_items=False)

SOURCE_FIELDS = {
    "id": TEXT, "title": TEXT, "url": TEXT, "verified": TEXT,
    "effective": OPT_TEXT, "review": OPT_TEXT,
}
TERMS_FIELDS = {
    "id": TEXT, "name": TEXT, "description": TEXT, "words": OPT_LIST, "surface": OPT_TEXT,
}
SURFACE_FIELDS = {
    "id": TEXT, "name": TEXT, "terms": TEXT, "words": LIST, "command": MAP, "overview": MAP,
    "hints": OPT_LIST,
}
COMMAND_FIELDS = {"name": TEXT, "description": TEXT}
OVERVIEW_ITEM_FIELDS = {"text": TEXT, "entries": LIST}
SYNONYM_FIELDS = {"canonical": TEXT, "phrases": LIST}
SCOPE_FIELDS = {"topic": TEXT, "phrases": LIST}
ENTRY_FIELDS = {
    "id": TEXT, "title": TEXT, "surfaces": LIST, "terms": LIST, "topic": TEXT,
    "questions": LIST, "answer": TEXT, "quote": TEXT, "source": TEXT,
    "related": OPT_LIST, "variants": OPT_LIST, "keywords": OPT_LIST, "review": OPT_TEXT,
}
COMPARISON_FIELDS = {"title": TEXT, "columns": LIST, "rows": RECORDS}
ROW_FIELDS = {"label": TEXT, "cells": MAP, "entries": LIST}


def count_sentences(text: str) -> int:
    """Sentences in our own answers, ignoring common abbreviations like 'e.g.'."""
    cleaned = _ABBREVIATIONS.sub("", text.strip())
    return max(1, len(_SENTENCE_END.findall(cleaned))) if cleaned else 0


def _question_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


class _Collector:
    """Accumulates problems while records are checked, keeping the current file in view."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.unreadable = False  # a file did not parse: cross-file references would mislead

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def add(self, path: Path, line: int, entry: str, message: str, fix: str) -> None:
        self.problems.append(Problem(self.rel(path), line, entry, message, fix))

    def record(
        self, path: Path, raw: Any, fields: dict[str, FieldSpec], what: str, line: int
    ) -> tuple[LineDict | None, str]:
        """Check keys and types of one mapping; return it (or None) and its id for messages."""
        if not isinstance(raw, dict):
            self.add(path, line, "", f"{what} must be a mapping, found {type(raw).__name__}",
                     f"write the {what} as 'key: value' lines")
            return None, ""
        rec: LineDict = raw  # type: ignore[assignment]
        ident = str(rec.get("id", "")) if isinstance(rec.get("id"), str) else ""
        for key in rec:
            if key not in fields:
                allowed = ", ".join(fields)
                self.add(path, rec.line_of(str(key)), ident, f"unknown key {key!r} in {what}",
                         f"remove it or use one of: {allowed}")
        for key, spec in fields.items():
            if key not in rec or rec[key] is None:
                if spec.required:
                    self.add(path, rec.line, ident, f"{what} is missing {key!r}",
                             f"add '{key}:' ({spec.kind_name})")
                continue
            value = rec[key]
            if not isinstance(value, spec.kind) or isinstance(value, bool):
                self.add(path, rec.line_of(key), ident,
                         f"{key!r} must be a {spec.kind_name}, found {type(value).__name__}",
                         f"write {key!r} as a {spec.kind_name}")
                continue
            if isinstance(value, str) and not value.strip():
                self.add(path, rec.line_of(key), ident, f"{key!r} is empty",
                         f"write the {key} or remove the key if it is optional")
            if isinstance(value, list) and spec.text_items:
                for i, item in enumerate(value):
                    if not isinstance(item, str) or not item.strip():
                        line_no = value.line_of(i) if isinstance(value, LineList) else rec.line
                        self.add(path, line_no, ident, f"item {i + 1} of {key!r} is not text",
                                 "make every item a non-empty string")
        return rec, ident

    def text_limit(self, path: Path, rec: LineDict, key: str, ident: str, limit: int,
                   why: str) -> None:
        value = rec.get(key)
        if isinstance(value, str) and len(value) > limit:
            self.add(path, rec.line_of(key), ident,
                     f"{key!r} is {len(value)} characters, over the {limit} limit ({why})",
                     f"shorten it to at most {limit} characters")


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _read(col: _Collector, path: Path, top_key: str, required: bool = True) -> LineDict | None:
    if not path.is_file():
        if required:
            col.add(path, 0, "", "file is missing", f"create {path.name} with a '{top_key}:' list")
        return None
    try:
        data = read_yaml(path)
    except YamlSyntaxError as exc:
        col.unreadable = True
        col.add(path, exc.line, "", str(exc), "correct the YAML syntax at that line")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        col.add(path, 0, "", f"cannot read file ({exc.__class__.__name__})",
                "make it a readable UTF-8 text file")
        return None
    if not isinstance(data, dict) or top_key not in data:
        col.add(path, getattr(data, "line", 1), "",
                f"top level must be a mapping with '{top_key}:'",
                f"start the file with '{top_key}:'")
        return None
    return data


def _records(col: _Collector, path: Path, data: LineDict, key: str) -> list[tuple[Any, int]]:
    items = data.get(key)
    if not isinstance(items, list):
        col.add(path, data.line_of(key), "", f"'{key}' must be a list",
                f"write '{key}:' followed by '- ' items")
        return []
    return [(item, items.line_of(i)) for i, item in enumerate(items)]


def _check_unique(col: _Collector, path: Path, seen: dict[str, tuple[str, int]], ident: str,
                  line: int, what: str) -> bool:
    if not ident:
        return False
    if not ID_RE.match(ident):
        col.add(path, line, ident, f"{what} id {ident!r} is not a valid id",
                "use lowercase letters, digits and dashes (at most 64)")
    if ident in seen:
        other_file, other_line = seen[ident]
        col.add(path, line, ident, f"duplicate {what} id (also at {other_file}:{other_line})",
                "give each one a unique id")
        return False
    seen[ident] = (col.rel(path), line)
    return True


def _load_sources(col: _Collector, root: Path) -> dict[str, Source]:
    path = root / "sources.yaml"
    data = _read(col, path, "sources")
    out: dict[str, Source] = {}
    seen: dict[str, tuple[str, int]] = {}
    for raw, line in _records(col, path, data, "sources") if data else []:
        rec, ident = col.record(path, raw, SOURCE_FIELDS, "source", line)
        if rec is None or not _check_unique(col, path, seen, ident, rec.line, "source"):
            continue
        url = _text(rec.get("url"))
        if url and not url.startswith("https://"):
            col.add(path, rec.line_of("url"), ident, f"url {url!r} is not https",
                    "link the official https page")
        verified = _text(rec.get("verified"))
        if verified and not ISO_DATE_RE.match(verified):
            col.add(path, rec.line_of("verified"), ident,
                    f"verified {verified!r} is not an ISO date", "write it as YYYY-MM-DD")
        effective = _text(rec.get("effective")) or None
        if effective and not ANY_ISO_DATE_RE.search(effective):
            col.add(path, rec.line_of("effective"), ident,
                    f"effective {effective!r} holds no ISO date",
                    "write YYYY-MM-DD (a note may follow), or remove the key")
        out[ident] = Source(ident, _text(rec.get("title")), url, verified, effective,
                            _text(rec.get("review")) or None, col.rel(path), rec.line)
    return out


def _load_surfaces(
    col: _Collector, root: Path
) -> tuple[dict[str, Terms], dict[str, Surface], list[tuple[str, Path, int, str, tuple[str, ...]]]]:
    """Terms and surfaces; overview entry references are returned for checking later."""
    path = root / "surfaces.yaml"
    data = _read(col, path, "surfaces")
    terms: dict[str, Terms] = {}
    surfaces: dict[str, Surface] = {}
    refs: list[tuple[str, Path, int, str, tuple[str, ...]]] = []
    if data is None:
        return terms, surfaces, refs
    seen: dict[str, tuple[str, int]] = {}
    terms_lines: dict[str, int] = {}
    for raw, line in _records(col, path, data, "terms"):
        rec, ident = col.record(path, raw, TERMS_FIELDS, "terms", line)
        if rec is not None and _check_unique(col, path, seen, ident, rec.line, "terms"):
            terms[ident] = Terms(ident, _text(rec.get("name")), _text(rec.get("description")),
                                 tuple(w.casefold() for w in _strings(rec.get("words"))),
                                 _text(rec.get("surface")) or None)
            terms_lines[ident] = rec.line_of("surface")
    seen_surface: dict[str, tuple[str, int]] = {}
    commands: dict[str, str] = {}
    for raw, line in _records(col, path, data, "surfaces"):
        rec, ident = col.record(path, raw, SURFACE_FIELDS, "surface", line)
        if rec is None or not _check_unique(col, path, seen_surface, ident, rec.line, "surface"):
            continue
        term = _text(rec.get("terms"))
        if term and term not in terms:
            col.add(path, rec.line_of("terms"), ident, f"unknown terms {term!r}",
                    f"use one of: {', '.join(terms) or '(define terms first)'}")
        command = rec.get("command")
        cname = cdesc = ""
        if isinstance(command, dict):
            crec, _ = col.record(path, command, COMMAND_FIELDS, "command", rec.line_of("command"))
            if crec is not None:
                cname, cdesc = _text(crec.get("name")), _text(crec.get("description"))
                if cname and not COMMAND_NAME_RE.match(cname):
                    col.add(path, crec.line_of("name"), ident,
                            f"command name {cname!r} is not a valid slash-command name",
                            "use 1-32 lowercase letters, digits, '-' or '_'")
                if cname in RESERVED_COMMAND_NAMES:
                    col.add(path, crec.line_of("name"), ident,
                            f"command name {cname!r} is one of the bot's own commands",
                            "choose a name other than: "
                            + ", ".join(sorted(RESERVED_COMMAND_NAMES)))
                if cname in commands:
                    col.add(path, crec.line_of("name"), ident,
                            f"command name {cname!r} is also used by {commands[cname]}",
                            "give each surface its own command name")
                commands[cname] = ident
                col.text_limit(path, crec, "description", ident, COMMAND_DESCRIPTION_MAX,
                               "Discord command description")
        overview_fields: list[OverviewField] = []
        overview = rec.get("overview")
        if isinstance(overview, dict):
            wanted = [key for key, _ in OVERVIEW_FIELDS]
            for key in overview:
                if key not in wanted:
                    col.add(path, overview.line_of(str(key)), ident,
                            f"unknown overview field {key!r}",
                            f"use exactly these fields: {', '.join(wanted)}")
            for key, label in OVERVIEW_FIELDS:
                item = overview.get(key)
                if item is None:
                    col.add(path, overview.line, ident, f"overview is missing {key!r}",
                            "every surface fills the same seven overview fields")
                    continue
                irec, _ = col.record(path, item, OVERVIEW_ITEM_FIELDS, f"overview {key}",
                                     overview.line_of(key))
                if irec is None:
                    continue
                col.text_limit(path, irec, "text", ident, FIELD_MAX, "Discord embed field")
                ids = _strings(irec.get("entries"))
                if not ids:
                    col.add(path, irec.line_of("entries"), ident,
                            f"overview {key!r} names no backing entry",
                            "list the ids of the entries that back this field")
                refs.append((ident, path, irec.line_of("entries"), f"overview {key}", ids))
                overview_fields.append(OverviewField(key, label, _text(irec.get("text")), ids))
        words = tuple(w.casefold() for w in _strings(rec.get("words")))
        hints = tuple(w.casefold() for w in _strings(rec.get("hints")))
        surfaces[ident] = Surface(ident, _text(rec.get("name")), term, words, cname, cdesc,
                                  tuple(overview_fields), col.rel(path), rec.line, hints)
    for ident, term in terms.items():
        if term.surface and term.surface not in surfaces:
            col.add(path, terms_lines[ident], ident, f"surface {term.surface!r} does not exist",
                    f"use a surface id: {', '.join(surfaces)}")
    return terms, surfaces, refs


def _load_synonyms(col: _Collector, root: Path) -> tuple[SynonymGroup, ...]:
    path = root / "synonyms.yaml"
    data = _read(col, path, "groups", required=False)
    groups: list[SynonymGroup] = []
    owner: dict[str, tuple[str, int]] = {}
    for raw, line in _records(col, path, data, "groups") if data else []:
        rec, _ = col.record(path, raw, SYNONYM_FIELDS, "synonym group", line)
        if rec is None:
            continue
        canonical = _text(rec.get("canonical")).casefold()
        phrases = tuple(p.casefold() for p in _strings(rec.get("phrases")))
        for phrase in phrases:
            if phrase in owner and owner[phrase][0] != canonical:
                col.add(path, rec.line_of("phrases"), canonical,
                        f"phrase {phrase!r} is also in group {owner[phrase][0]!r} "
                        f"(line {owner[phrase][1]})",
                        "keep each phrase in one group only")
            owner[phrase] = (canonical, rec.line)
        groups.append(SynonymGroup(canonical, phrases))
    return tuple(groups)


def _load_scope(col: _Collector, root: Path) -> tuple[tuple[ScopeTopic, int], ...]:
    path = root / "scope.yaml"
    data = _read(col, path, "out_of_scope", required=False)
    topics: list[tuple[ScopeTopic, int]] = []
    for raw, line in _records(col, path, data, "out_of_scope") if data else []:
        rec, _ = col.record(path, raw, SCOPE_FIELDS, "out-of-scope topic", line)
        if rec is None:
            continue
        topics.append((ScopeTopic(_text(rec.get("topic")),
                                  tuple(p.casefold() for p in _strings(rec.get("phrases")))),
                       rec.line_of("phrases")))
    return tuple(topics)


def _load_matching(col: _Collector, root: Path) -> dict[str, object]:
    """Optional overrides of the matcher's tuned defaults, for a policy set that needs them."""
    path = root / "matching.yaml"
    data = _read(col, path, "settings", required=False)
    if data is None:
        return {}
    settings = data.get("settings")
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        col.add(path, data.line_of("settings"), "", "'settings' must be a mapping",
                "write 'settings:' followed by 'name: value' lines")
        return {}
    out: dict[str, object] = {}
    for name, value in settings.items():
        problem = override_problem(str(name), value)
        if problem:
            col.add(path, settings.line_of(str(name)), str(name), problem,
                    "correct the name or value, or remove the line to keep the default")
            continue
        out[str(name)] = value
    return out


def _check_scope(col: _Collector, root: Path, scope: tuple[tuple[ScopeTopic, int], ...],
                 entries: dict[str, Entry]) -> None:
    """An out-of-scope phrase used in an entry's own questions would hide that entry."""
    owner = {phrase: (topic.topic, line) for topic, line in scope for phrase in topic.phrases}
    if not owner:
        return
    body = "|".join(re.escape(p) for p in sorted(owner, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w-])")
    reported: set[str] = set()
    for entry in entries.values():
        for text in (entry.title, *entry.questions):
            for found in pattern.finditer(text.casefold()):
                phrase = found.group()
                if phrase in reported:
                    continue
                reported.add(phrase)
                topic, line = owner[phrase]
                col.add(root / "scope.yaml", line, topic,
                        f"out-of-scope phrase {phrase!r} is in a question of entry {entry.id!r}",
                        "drop the phrase here, or reword that entry's question")


def _load_entries(
    col: _Collector, root: Path
) -> tuple[dict[str, Entry], dict[str, tuple[Path, LineDict]]]:
    directory = root / "entries"
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        col.add(directory, 0, "", "no entry files found", "add entries/*.yaml files")
    entries: dict[str, Entry] = {}
    raw_by_id: dict[str, tuple[Path, LineDict]] = {}
    seen: dict[str, tuple[str, int]] = {}
    questions: dict[str, tuple[str, str, int]] = {}
    for path in files:
        data = _read(col, path, "entries")
        for raw, line in _records(col, path, data, "entries") if data else []:
            rec, ident = col.record(path, raw, ENTRY_FIELDS, "entry", line)
            if rec is None or not _check_unique(col, path, seen, ident, rec.line, "entry"):
                continue
            col.text_limit(path, rec, "title", ident, TITLE_MAX, "Discord embed title")
            col.text_limit(path, rec, "answer", ident, FIELD_MAX, "Discord embed field")
            col.text_limit(path, rec, "quote", ident, FIELD_MAX - 4, "quoted in an embed field")
            answer = _text(rec.get("answer"))
            if answer and count_sentences(answer) > MAX_ANSWER_SENTENCES:
                col.add(path, rec.line_of("answer"), ident,
                        f"answer has {count_sentences(answer)} sentences",
                        f"keep the answer to at most {MAX_ANSWER_SENTENCES} sentences")
            qs = _strings(rec.get("questions"))
            if isinstance(rec.get("questions"), list) and len(qs) < MIN_QUESTIONS:
                col.add(path, rec.line_of("questions"), ident,
                        f"only {len(qs)} alternate questions",
                        f"write at least {MIN_QUESTIONS}, the way people really ask")
            qlist = rec.get("questions")
            for i, question in enumerate(qs):
                key = _question_key(question)
                qline = qlist.line_of(i) if isinstance(qlist, LineList) else rec.line
                if key in questions and questions[key][0] != ident:
                    other, ofile, oline = questions[key]
                    col.add(path, qline, ident,
                            f"question {question!r} is also under entry {other} ({ofile}:{oline})",
                            "keep each phrasing under the one entry that answers it")
                elif key in questions:
                    col.add(path, qline, ident, f"question {question!r} is listed twice",
                            "remove the repeat")
                questions.setdefault(key, (ident, col.rel(path), qline))
            entries[ident] = Entry(
                id=ident,
                title=_text(rec.get("title")),
                surfaces=_strings(rec.get("surfaces")),
                terms=_strings(rec.get("terms")),
                topic=_text(rec.get("topic")),
                questions=qs,
                answer=answer,
                quote=_text(rec.get("quote")),
                source=_text(rec.get("source")),
                related=_strings(rec.get("related")),
                variants=_strings(rec.get("variants")),
                keywords=_strings(rec.get("keywords")),
                review=_text(rec.get("review")) or None,
                file=col.rel(path),
                line=rec.line,
            )
            raw_by_id[ident] = (path, rec)
    return entries, raw_by_id


def _load_comparison(col: _Collector, root: Path, terms: dict[str, Terms]
                     ) -> tuple[Comparison | None, list[tuple[Path, int, str, tuple[str, ...]]]]:
    path = root / "comparison.yaml"
    data = _read(col, path, "rows", required=False)
    refs: list[tuple[Path, int, str, tuple[str, ...]]] = []
    if data is None:
        return None, refs
    top, _ = col.record(path, data, COMPARISON_FIELDS, "comparison", data.line)
    if top is None:
        return None, refs
    columns = _strings(top.get("columns"))
    for column in columns:
        if column not in terms:
            col.add(path, top.line_of("columns"), "", f"column {column!r} is not a terms id",
                    f"use terms ids from surfaces.yaml: {', '.join(terms)}")
    rows: list[ComparisonRow] = []
    for raw, line in _records(col, path, top, "rows"):
        rec, _ = col.record(path, raw, ROW_FIELDS, "comparison row", line)
        if rec is None:
            continue
        cells = rec.get("cells") if isinstance(rec.get("cells"), dict) else {}
        label = _text(rec.get("label"))
        for column in columns:
            if not _text(cells.get(column)):
                col.add(path, rec.line_of("cells"), label, f"row has no cell for {column!r}",
                        f"add '{column}: ...' under cells")
        for key, value in cells.items():
            if key not in columns:
                col.add(path, cells.line_of(str(key)), label, f"cell {key!r} is not a column",
                        f"use the columns: {', '.join(columns)}")
            elif isinstance(value, str) and len(value) > FIELD_MAX:
                col.add(path, cells.line_of(str(key)), label, "cell is over 1024 characters",
                        "shorten it")
        ids = _strings(rec.get("entries"))
        refs.append((path, rec.line_of("entries"), label, ids))
        rows.append(ComparisonRow(label, {c: _text(cells.get(c)) for c in columns}, ids))
    return Comparison(_text(top.get("title")), columns, tuple(rows)), refs


def _check_references(
    col: _Collector,
    entries: dict[str, Entry],
    raw_by_id: dict[str, tuple[Path, LineDict]],
    sources: dict[str, Source],
    terms: dict[str, Terms],
    surfaces: dict[str, Surface],
) -> None:
    def each(key: str, known: Iterable[str], what: str, fix: str,
             values: Callable[[Entry], tuple[str, ...]]) -> None:
        known_set = set(known)
        for ident, entry in entries.items():
            path, rec = raw_by_id[ident]
            for value in values(entry):
                if value not in known_set:
                    col.add(path, rec.line_of(key), ident, f"{what} {value!r} does not exist", fix)

    each("surfaces", surfaces, "surface", f"use surface ids: {', '.join(surfaces)}",
         lambda e: e.surfaces)
    each("terms", terms, "terms", f"use terms ids: {', '.join(terms)}", lambda e: e.terms)
    each("source", sources, "source", "use an id from sources.yaml", lambda e: (e.source,))
    each("related", entries, "related entry", "point at an existing entry id", lambda e: e.related)
    each("variants", entries, "variant entry", "point at an existing entry id",
         lambda e: e.variants)
    for ident, entry in entries.items():
        path, rec = raw_by_id[ident]
        if ident in entry.variants or ident in entry.related:
            col.add(path, rec.line, ident, "entry lists itself as related or variant",
                    "remove its own id")
        if isinstance(rec.get("surfaces"), list) and not entry.surfaces:
            col.add(path, rec.line_of("surfaces"), ident, "entry applies to no surface",
                    "list the surfaces it applies to")


def load_knowledge(directory: Path | str) -> Knowledge:
    """Load and validate; raise KnowledgeError listing every problem found."""
    knowledge, problems = check_knowledge(directory)
    if knowledge is None:
        raise KnowledgeError(problems)
    return knowledge


def check_knowledge(directory: Path | str) -> tuple[Knowledge | None, list[Problem]]:
    """Validate a knowledge directory; the Knowledge only when there are no problems."""
    root = Path(directory).resolve()
    col = _Collector(root)
    if not root.is_dir():
        col.add(root, 0, "", "knowledge directory does not exist",
                "point POLICYBOT_KNOWLEDGE or the argument at a knowledge directory")
        return None, col.problems
    sources = _load_sources(col, root)
    terms, surfaces, overview_refs = _load_surfaces(col, root)
    synonyms = _load_synonyms(col, root)
    out_of_scope = _load_scope(col, root)
    matching = _load_matching(col, root)
    entries, raw_by_id = _load_entries(col, root)
    comparison, row_refs = _load_comparison(col, root, terms)
    if col.unreadable:
        return None, col.problems
    _check_references(col, entries, raw_by_id, sources, terms, surfaces)
    _check_scope(col, root, out_of_scope, entries)
    for surface_id, path, line, what, ids in overview_refs:
        for ident in ids:
            if ident not in entries:
                col.add(path, line, surface_id, f"{what} names unknown entry {ident!r}",
                        "point at an existing entry id")
    for path, line, label, ids in row_refs:
        for ident in ids:
            if ident not in entries:
                col.add(path, line, label, f"comparison row names unknown entry {ident!r}",
                        "point at an existing entry id")
    if col.problems:
        return None, col.problems
    return Knowledge(
        directory=str(root),
        sources=Knowledge.freeze(sources),
        terms=Knowledge.freeze(terms),
        surfaces=Knowledge.freeze(surfaces),
        entries=Knowledge.freeze(entries),
        synonyms=synonyms,
        comparison=comparison,
        version=_content_hash(root),
        out_of_scope=tuple(topic for topic, _ in out_of_scope),
        matching=Knowledge.freeze(matching),
    ), []


def _content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
