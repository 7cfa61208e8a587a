"""Pure helpers every backend shares, so grouping and validation behave identically.

Backends differ only in how they fetch candidate groups (SQL prefilter or a list scan);
the decision which group an event joins is made here, once.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.storage.base import (
    MAX_CANDIDATES,
    MAX_QUESTION_CHARS,
    QUESTION_OUTCOMES,
    GapEvent,
    GapOutcome,
    GapStatus,
    ScoredCandidate,
    Vote,
    cap_question,
)

_NON_WORD = re.compile(r"[\W_]+")


def group_key(normalised: str, question: str) -> str:
    """The string groups are compared on.

    The matcher's normalised form is preferred; a light fold (NFKC, casefold, punctuation to
    spaces) is applied on top so "chats??" and "chats?" group even if a caller passed raw text.
    """
    text = unicodedata.normalize("NFKC", normalised or question).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def pick_group(key: str, choices: Sequence[tuple[int, str]], threshold: float) -> int | None:
    """The id of the closest group (by `token_sort_ratio`) at or above `threshold`.

    `choices` are `(group_id, key)` in the backend's preference order (most recent first);
    ties go to the earlier choice so both backends agree.
    """
    for group_id, other in choices:
        if other == key:
            return group_id
    if not key or not choices:
        return None
    found = process.extractOne(
        key,
        [other for _, other in choices],
        scorer=fuzz.token_sort_ratio,
        processor=None,
        score_cutoff=threshold,
    )
    if found is None:
        return None
    return choices[found[2]][0]


def clean_candidates(candidates: Sequence[ScoredCandidate]) -> tuple[ScoredCandidate, ...]:
    """Best first, at most `MAX_CANDIDATES`, scores as plain floats."""
    ordered = sorted(candidates, key=lambda c: (-float(c.score), c.entry_id))
    return tuple(ScoredCandidate(c.entry_id, float(c.score)) for c in ordered[:MAX_CANDIDATES])


def candidates_to_json(candidates: Sequence[ScoredCandidate]) -> str:
    """Serialised candidates as stored in a row."""
    return json.dumps([{"entry_id": c.entry_id, "score": c.score} for c in candidates])


def candidates_from_json(raw: str | None) -> tuple[ScoredCandidate, ...]:
    """Inverse of `candidates_to_json`."""
    if not raw:
        return ()
    return tuple(ScoredCandidate(str(c["entry_id"]), float(c["score"])) for c in json.loads(raw))


def prepared_event(
    event: GapEvent,
) -> tuple[str, str, str, GapOutcome, tuple[ScoredCandidate, ...]]:
    """Validate an event: (capped question, normalised, group key, outcome, candidates)."""
    question = cap_question(event.question)
    if not question:
        raise ValueError("a gap event needs question text")
    if not event.user_hash:
        raise ValueError("a gap event needs a user hash")
    outcome = GapOutcome(event.outcome)
    # Normalised text can grow a little through synonym folding; bound it all the same.
    normalised = (event.normalised or "").strip()[: 2 * MAX_QUESTION_CHARS]
    normalised = normalised or group_key("", question)
    candidates = clean_candidates(event.candidates)
    return question, normalised, group_key(normalised, question), outcome, candidates


def check_question_outcome(outcome: str) -> str:
    """`outcome` as stored by `record_question`; raises on anything else."""
    value = str(outcome)
    if value not in QUESTION_OUTCOMES:
        raise ValueError(f"unknown question outcome {value!r}")
    return value


def check_status(status: GapStatus | str | None) -> GapStatus | None:
    """A status filter, None meaning all."""
    return None if status is None else GapStatus(status)


def check_vote(vote: Vote | str) -> Vote:
    """A vote value; raises on anything but up/down."""
    return Vote(vote)
