"""A naive Bayes word model of each entry's phrasings, to separate sibling entries.

The overlap and fuzzy scores ask "how much of the question does this entry's best phrasing
share?". Sibling entries ("does deleting a chat remove it" vs "is a deleted chat gone from
the backend") share most words, so they score alike and the margin between them is thin.
A multinomial naive Bayes over all of an entry's phrasings asks instead "which entry's
phrasings use these words, and these word pairs, most often?": a word that nearly every
phrasing of one sibling uses and few of the other's tips the balance. With the earlier
thresholds it raised correct answers on the tuning splits by about 6 points at an unchanged
share of wrong answers; with thresholds regridded for it, it gives more right and fewer wrong
answers (README "Measured"). Other ways of using the same counts (centrality, related-entry
discounts) had moved right and wrong answers together.

Features are the question's tokens and adjacent token pairs, tf-idf weighted with
sublinear term frequency and L2-normalised, as in scikit-learn's TfidfVectorizer; the
probabilities are additively smoothed. Everything is computed once per knowledge version;
a question costs one vector and a dictionary look-up per feature per leading entry.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
from operator import mul
from typing import TypeAlias

Feature: TypeAlias = str | tuple[str, str]


def features(tokens: Sequence[str]) -> dict[Feature, int]:
    """Tokens and adjacent token pairs, with counts (pairs carry word order: "not used").

    A pair is the tuple itertools.pairwise yields: no string is built, and its hash comes
    from the two tokens' cached hashes. Most phrasings repeat nothing, so the counts start
    as 1 in C and only a text with repeats is counted again.
    """
    items = [*tokens, *pairwise(tokens)]
    found = dict.fromkeys(items, 1)
    if len(found) < len(items):
        found = dict(Counter(items))
    return found


@dataclass(frozen=True, slots=True)
class WordModel:
    """Per entry: log P(feature | entry) for the features its phrasings use, plus a prior."""

    idf: dict[Feature, float]
    log_prob: tuple[dict[Feature, float], ...]
    unseen: tuple[float, ...]  # log P of a known feature this entry's phrasings never use
    prior: tuple[float, ...]

    @classmethod
    def build(cls, phrasings: Iterable[tuple[int, Sequence[str]]], entries: int,
              alpha: float = 0.1) -> WordModel:
        docs = [(e, features(tokens)) for e, tokens in phrasings]
        n = max(1, len(docs))
        df: Counter[Feature] = Counter()
        for _, found in docs:
            df.update(found.keys())
        idf = {f: math.log((1 + n) / (1 + d)) + 1.0 for f, d in df.items()}
        sums: list[defaultdict[Feature, float]] = [defaultdict(float) for _ in range(entries)]
        totals = [0.0] * entries
        counts = [0] * entries
        for e, found in docs:
            counts[e] += 1
            local = sums[e]
            names, weights, norm = _vector(found, idf)
            for f, x in zip(names, weights, strict=True):
                local[f] += x / norm
            totals[e] += sum(weights) / norm
        size = alpha * max(1, len(idf))
        log_prob = tuple({f: math.log((x + alpha) / (totals[e] + size)) for f, x in s.items()}
                         for e, s in enumerate(sums))
        unseen = tuple(math.log(alpha / (totals[e] + size)) for e in range(entries))
        # An entry without phrasings can still be shortlisted by its keywords: it gets the
        # smallest prior, not log(0).
        prior = tuple(math.log(max(c, 0.5) / n) for c in counts)
        return cls(idf=idf, log_prob=log_prob, unseen=unseen, prior=prior)

    def fit(self, tokens: Sequence[str], entries: Iterable[int]) -> dict[int, float]:
        """Joint log-likelihood of the question under each given entry (higher fits better).

        Only differences between entries mean anything: the shared normaliser of the
        posterior cancels, so the matcher compares each entry with the best-fitting one.
        """
        names, weights, norm = _vector(features(tokens), self.idf)
        log_prob, unseen, prior = self.log_prob, self.unseen, self.prior
        # Per entry, the weighted sum runs in C: look up every feature (the entry's default
        # for one its phrasings never use), multiply by its weight, add in feature order;
        # the vector is normalised once, on the sum.
        return {e: prior[e] + sum(map(mul, weights, map(log_prob[e].get, names,
                                                         repeat(unseen[e])))) / norm
                for e in entries}


def _vector(found: dict[Feature, int], idf: dict[Feature, float]
            ) -> tuple[tuple[Feature, ...], tuple[float, ...], float]:
    """Sublinear tf times idf, and the L2 norm to divide by; unknown features are dropped."""
    names = tuple(found)
    weights = tuple(map(idf.get, names))
    if None in weights:  # a question's word pairs are mostly new to the knowledge
        kept = [(f, w) for f, w in zip(names, weights, strict=True) if w is not None]
        names = tuple([f for f, _ in kept])
        weights = tuple([w for _, w in kept])
    if max(found.values(), default=1) > 1:
        weights = tuple([w if found[f] == 1 else (1.0 + math.log(found[f])) * w
                         for f, w in zip(names, weights, strict=True)])
    return names, weights, math.sqrt(sum(map(mul, weights, weights))) or 1.0


__all__ = ["WordModel", "features"]
