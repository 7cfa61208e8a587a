"""The answer service: the one object every front end (Discord, console, eval) talks to.

It owns the current knowledge and its match index as one immutable snapshot and swaps the
snapshot in a single assignment on reload, so a question in flight is answered wholly from
the old or wholly from the new knowledge, never a mix.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.matcher import Index, MatchSettings, match
from bot.core.result import Result
from bot.knowledge.model import Entry, Knowledge

log = logging.getLogger(__name__)


# Separators between several names of one surface ("API/Console", "Acme app | web").
_NAME_PARTS = re.compile(r"\s*[/|,]\s*")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Knowledge plus everything precomputed from it; replaced whole, never mutated."""

    knowledge: Knowledge
    index: Index
    aliases: tuple[tuple[str, str], ...]  # (entry id, question) added by curators
    settings: MatchSettings  # the defaults, with this knowledge's matching.yaml applied


class AnswerService:
    """Answers questions from the current snapshot; thread- and task-safe by immutability."""

    def __init__(
        self,
        knowledge: Knowledge,
        settings: MatchSettings | None = None,
        aliases: Iterable[tuple[str, str]] = (),
    ) -> None:
        # Settings given here (tests, `--set` on the console) win over the knowledge's own
        # matching.yaml; otherwise each reload brings that file's overrides with it.
        self._fixed = settings
        self._snapshot = self._build(knowledge, tuple(aliases))

    def _build(self, knowledge: Knowledge, aliases: tuple[tuple[str, str], ...]) -> Snapshot:
        usable = tuple((eid, q) for eid, q in aliases if eid in knowledge.entries)
        settings = self._fixed or MatchSettings().with_overrides(knowledge.matching)
        return Snapshot(knowledge, Index.build(knowledge, usable), usable, settings)

    @property
    def settings(self) -> MatchSettings:
        return self._snapshot.settings

    @property
    def knowledge(self) -> Knowledge:
        return self._snapshot.knowledge

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def ask(self, question: str, surface: str | None = None, *, explain: bool = True) -> Result:
        """Decide answer / suggest / none for one question, optionally within a surface."""
        snap = self._snapshot
        return match(snap.index, question, surface, snap.settings, explain=explain)

    def reload(self, knowledge: Knowledge) -> None:
        """Serve `knowledge` from now on, keeping the curator-added phrasings that still apply."""
        self._snapshot = self._build(knowledge, self._snapshot.aliases)
        log.info("knowledge reloaded: %d entries", len(knowledge.entries))

    def add_alias(self, entry_id: str, question: str) -> None:
        """Teach an entry a new phrasing, effective for the next question asked."""
        snap = self._snapshot
        if entry_id not in snap.knowledge.entries:
            raise KeyError(entry_id)
        self._snapshot = self._build(snap.knowledge, (*snap.aliases, (entry_id, question)))

    def resolve_surface(self, name: object) -> str | None:
        """The surface id that `name` means, or None.

        Callers outside the bot (batch files, scripts) name surfaces their own way: the id
        in any case or with "_" or spaces ("Acme_App"), its display name, one of the
        surface's own words or feature hints from the knowledge ("acme app", "api",
        "mobile"), or several of those for one surface ("API/Console"). A name that fits no
        surface, or fits several, resolves to None rather than to a guess.
        """
        if not isinstance(name, str) or not name.strip():
            return None
        found = self._surface_named(name)
        if found is None and _NAME_PARTS.search(name):
            parts = {self._surface_named(part) for part in _NAME_PARTS.split(name)
                     if part.strip()}
            found = parts.pop() if len(parts) == 1 else None
        return found

    def _surface_named(self, name: str) -> str | None:
        snap = self._snapshot
        surfaces = snap.knowledge.surfaces
        if name in surfaces:
            return name
        key = "-".join(name.strip().casefold().replace("_", " ").split())
        by_id = {sid.casefold(): sid for sid in surfaces}
        if key in by_id:
            return by_id[key]
        words = snap.index.normaliser.words(name)
        if not words:
            return None
        named = {sid for sid, surface in surfaces.items()
                 if words == snap.index.normaliser.words(surface.name)}
        for table in (snap.index.surface_words, snap.index.hint_words):
            if words in table:
                named.add(table[words])
        return next(iter(named)) if len(named) == 1 else None

    def entry(self, entry_id: str) -> Entry | None:
        return self._snapshot.knowledge.entries.get(entry_id)

    def complete(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """Alternate questions that fit what is typed so far, as (question, entry id)."""
        snap = self._snapshot
        return snap.index.complete(text, limit, snap.settings)
