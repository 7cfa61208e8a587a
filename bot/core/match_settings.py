"""The matcher's thresholds and weights, and the one place overrides of them are checked.

Kept apart from the matcher so the knowledge loader can check a `matching.yaml` against the
real field names and types (naming the file and line) without importing the engine.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from rapidfuzz import fuzz

# Integer settings that count things the matcher needs at least one of.
_AT_LEAST_ONE = frozenset({"max_candidates", "max_entries", "long_question_tokens"})


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Thresholds and weights; defaults tuned on the dev split (see README).

    A knowledge directory may override any of them in `matching.yaml` (another policy set
    may need another answer bar), and the console takes `--set NAME=VALUE` on top, so a
    curator can try a setting without touching code.
    """

    answer_threshold: float = 62.0
    suggest_threshold: float = 42.0
    margin: float = 6.0
    confident: float = 85.0  # at or above this, answer even with a thin margin...
    confident_margin: float = 3.0  # ...unless the runner-up is as good (a near tie)
    answer_floor: float = 52.0  # below the threshold, still answer when the lead is large
    strong_margin: float = 16.0
    overlap_weight: float = 0.5
    fuzz_weight: float = 0.15
    coverage_weight: float = 0.35
    surface_bonus: float = 6.0
    off_surface_penalty: float = 20.0
    parent_tolerance: float = 30.0
    max_candidates: int = 15  # phrasings scored with rapidfuzz
    long_question_tokens: int = 24  # longer posts are also read sentence by sentence
    long_scale_power: float = 1.0  # how far a long post's length is discounted
    min_part_tokens: int = 5  # shorter sentences of a long post are context, not the ask
    long_answer_threshold: float = 34.0
    long_margin: float = 6.0
    long_suggest_threshold: float = 32.0  # long posts score lower on the same evidence
    part_weight: float = 0.5  # a long post: question sentence vs the whole, per entry
    headline_weight: float = 0.4  # a short title: one clause vs the whole (0 = off)...
    headline_below: float = 70.0  # ...read by clauses only when the whole scores under this
    min_headline_tokens: int = 3  # shorter clauses of a title are padding, not the ask
    max_entries: int = 12  # entries kept after the distinctive-word prefilter
    max_suggestions: int = 3
    unknown_weight: float = 0.5  # share of the top IDF given to words the knowledge lacks
    # Topicality (bot/core/topicality.py): a known word keeps the share (r - topical_low) /
    # (topical_high - topical_low) of its IDF, never less than topical_floor, where r is the
    # log10 of its share of the phrasings over its share of English (topical_floor 1.0
    # turns this off)...
    topical_low: float = 0.0
    topical_high: float = 2.0
    topical_floor: float = 0.6
    # ...and a word the knowledge lacks keeps its whole unknown weight up to English Zipf
    # frequency unknown_rare, none of it from unknown_everyday ("the", "after") up.
    unknown_rare: float = 3.0
    unknown_everyday: float = 5.5
    # Points per unit of log-likelihood an entry trails the best-fitting one by in the word
    # model (bot/core/word_model.py); 0 turns the model off.
    word_model_weight: float = 3.0
    word_model_entries: int = 3  # the leading entries the word model compares
    # Points the best entry gains when its general entry or a per-surface version of it also
    # scores well (all of them at the same score, none at `family_span` or more below).
    family_support: float = 12.0
    family_span: float = 20.0
    family_min: float = 50.0  # ...and only for a best entry already scoring this much
    fuzz_scorer: str = "token_sort_ratio"  # any rapidfuzz.fuzz scorer name

    @classmethod
    def field_types(cls) -> dict[str, type]:
        """Each setting's name and the type of its default (float, int or str)."""
        defaults = cls()
        return {f.name: type(getattr(defaults, f.name)) for f in fields(cls)}

    def with_overrides(self, overrides: Mapping[str, object]) -> MatchSettings:
        """These settings with `overrides` applied; ValueError names the first bad one."""
        checked = {}
        for name, value in overrides.items():
            problem = override_problem(name, value)
            if problem:
                raise ValueError(problem)
            kind = self.field_types()[name]
            checked[name] = kind(value) if kind is float else value
        return replace(self, **checked)


def override_problem(name: str, value: object) -> str | None:
    """Why `name: value` is not a usable override, or None when it is.

    A typo in a setting name must not pass silently: the default would stay in force while
    the curator believes the change is live.
    """
    types = MatchSettings.field_types()
    if name not in types:
        close = difflib.get_close_matches(name, types, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(types))}"
        return f"unknown matching setting {name!r} ({hint})"
    kind = types[name]
    if kind is str:
        if not isinstance(value, str) or not callable(getattr(fuzz, value, None)) \
                or value.startswith("_"):
            return f"{name} must name a rapidfuzz.fuzz scorer, such as 'token_sort_ratio'"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} must be a number, found {type(value).__name__}"
    if kind is int and not isinstance(value, int):
        return f"{name} must be a whole number, found {value!r}"
    if not math.isfinite(value):
        return f"{name} must be a finite number"
    if kind is int and value < (1 if name in _AT_LEAST_ONE else 0):
        return f"{name} must be at least {1 if name in _AT_LEAST_ONE else 0}"
    return None


def parse_assignment(text: str) -> tuple[str, object]:
    """'answer_threshold=60' -> ('answer_threshold', 60.0); ValueError says what is wrong."""
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name or not raw:
        raise ValueError(f"{text!r} is not NAME=VALUE")
    kind = MatchSettings.field_types().get(name)
    value: object = raw
    if kind is int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, found {raw!r}") from None
    elif kind is float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number, found {raw!r}") from None
    problem = override_problem(name, value)
    if problem:
        raise ValueError(problem)
    return name, value


__all__ = ["MatchSettings", "override_problem", "parse_assignment"]
