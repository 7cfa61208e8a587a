"""The typed, immutable knowledge model that every front end reads.

Frozen dataclasses and tuples so that a loaded knowledge base can be shared between
concurrent requests and swapped atomically on reload without anyone mutating it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# The overview fields every surface must fill, in display order. Same shape for every
# surface so people can jump to theirs and find the same fields.
OVERVIEW_FIELDS: tuple[tuple[str, str], ...] = (
    ("governing_terms", "Governing terms"),
    ("collected", "What is collected"),
    ("training_default", "Training default"),
    ("retention", "Retention"),
    ("human_review", "Human review"),
    ("deletion", "Deletion"),
    ("control", "How to control it"),
)


@dataclass(frozen=True, slots=True)
class Source:
    """One official document that quotes come from."""

    id: str
    title: str
    url: str
    verified: str  # ISO date the page was last checked
    effective: str | None = None  # free text or ISO date, as the document states it
    review: str | None = None
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Terms:
    """A set of governing terms (e.g. consumer, commercial) or a 'depends' marker."""

    id: str
    name: str
    description: str
    words: tuple[str, ...] = ()  # how people signal these terms ("max plan", "api key")
    surface: str | None = None  # the surface to assume when a question signals only these terms


@dataclass(frozen=True, slots=True)
class OverviewField:
    """One field of a surface overview: our own words plus the entries that back them."""

    key: str
    label: str
    text: str
    entries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Surface:
    """A product surface people use; decides which terms govern an answer."""

    id: str
    name: str
    terms: str  # a Terms id
    words: tuple[str, ...]
    command_name: str
    command_description: str
    overview: tuple[OverviewField, ...]
    file: str = ""
    line: int = 0
    # Features only this surface has ("incognito"): a question naming one is about this
    # surface even when it names no product. Unlike `words`, hints stay match evidence.
    hints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    """Phrases that mean the same here; all fold to `canonical` when matching."""

    canonical: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScopeTopic:
    """A topic asked about near this knowledge that it does not cover (pricing, other vendors).

    Its phrases mark a question as probably out of scope, so a chance overlap of words with an
    entry is not enough to answer it.
    """

    topic: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One sourced answer: our words, one verbatim quote, and where it comes from."""

    id: str
    title: str
    surfaces: tuple[str, ...]
    terms: tuple[str, ...]
    topic: str
    questions: tuple[str, ...]
    answer: str
    quote: str
    source: str
    related: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    review: str | None = None
    file: str = ""
    line: int = 0

    @property
    def varies_by_surface(self) -> bool:
        return bool(self.variants)


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One row of the consumer-versus-commercial table."""

    label: str
    cells: Mapping[str, str]  # terms id -> text
    entries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A table comparing sets of terms, rendered by /compare and the console."""

    title: str
    columns: tuple[str, ...]  # terms ids, in display order
    rows: tuple[ComparisonRow, ...]


@dataclass(frozen=True, slots=True)
class Knowledge:
    """Everything loaded from one knowledge directory, indexed by id."""

    directory: str
    sources: Mapping[str, Source]
    terms: Mapping[str, Terms]
    surfaces: Mapping[str, Surface]
    entries: Mapping[str, Entry]
    synonyms: tuple[SynonymGroup, ...]
    comparison: Comparison | None
    version: str = field(default="")  # content hash, to tell two loads apart
    out_of_scope: tuple[ScopeTopic, ...] = ()
    # Overrides of the matcher's defaults from matching.yaml, already checked by the loader.
    matching: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @staticmethod
    def freeze(mapping: dict) -> Mapping:
        return MappingProxyType(dict(mapping))

    def source_of(self, entry: Entry) -> Source:
        return self.sources[entry.source]

    def surface_by_command(self, command_name: str) -> Surface | None:
        for surface in self.surfaces.values():
            if surface.command_name == command_name:
                return surface
        return None
