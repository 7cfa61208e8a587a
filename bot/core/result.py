"""What the engine returns for a question: one of three outcomes, with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.knowledge.model import Entry


class Outcome(StrEnum):
    ANSWER = "answer"  # confident, with a margin over the runner-up
    SUGGEST = "suggest"  # close candidates worth offering as "did you mean"
    NONE = "none"  # nothing sourced; a gap for the curators


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry with the score the matcher gave it (0-100)."""

    entry: Entry
    score: float
    matched: str = ""  # the phrasing that scored best
    word_model: float = 0.0  # points the word model took off the score (0 or negative)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a result came out as it did, for curators and the "Why this answer?" button."""

    normalised: str
    folds: tuple[str, ...] = ()  # "phrase -> canonical" synonym folds applied
    surface_source: str = ""  # "explicit", "text", "terms", "feature" or "" (none)
    top: tuple[Candidate, ...] = ()
    margin: float = 0.0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    """One decided question.

    `entry` is the chosen entry for ANSWER (already the surface's variant where one
    applies). `variants` is non-empty when the answer differs by surface and the question
    named none, so a front end can show them side by side or ask which surface.
    """

    question: str
    outcome: Outcome
    entry: Entry | None = None
    score: float = 0.0
    surface: str | None = None
    variants: tuple[Entry, ...] = ()
    suggestions: tuple[Candidate, ...] = ()
    explanation: Explanation | None = None
    knowledge_version: str = ""
    # Nothing was asked: filler only, or words that name no topic ("yes", "ok"). Such a
    # message is no gap in the knowledge, so front ends do not log it for curators.
    unasked: bool = False

    @property
    def varies_by_surface(self) -> bool:
        return bool(self.variants)
