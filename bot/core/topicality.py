"""How much a word says about what a question is asked about, measured against everyday English.

IDF alone says how rare a word is *in the knowledge*, so a word the knowledge uses once in
passing ("published", "after", "full") weighs as much as one that names a topic
("incognito"). Real questions are full of such words: a headline such as "Does X Train
on Your Data? The Full Truth" scored 40 where "does x train on my data" scores 99, because
"full" and "truth" counted as unmatched evidence. Topicality compares a word's
share of the knowledge's phrasings with its share of everyday English (the bundled
frequency table): "incognito" is a thousand times likelier in the knowledge than in English
and keeps its weight; "after" is barely likelier and loses part of it. A word the knowledge
has never seen is weighed by how everyday it is: "truth" or "overview" says little about
the topic, "codebase" or "captcha" a lot.

This is language data, not knowledge: another policy set in English benefits unchanged,
and a knowledge base in another language keeps plain IDF because its words are not in the
table (a word missing from the table always keeps its full weight).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from bot.core.normalise import stem

ENGLISH_FREQUENCY = Path(__file__).resolve().parent / "data" / "english_frequency.tsv"


@lru_cache(maxsize=1)
def english_zipf() -> Mapping[str, float]:
    """Zipf frequency (log10 per billion words) of common English words, keyed by stem.

    Keyed by stem because the matcher sees stems ("chats" -> "chat"); a stem shared by
    several words takes the most frequent one's figure. Read once per process.
    """
    table: dict[str, float] = {}
    plain_stem = stem.__wrapped__  # 50,000 one-off words would flush the question-time cache
    for line in ENGLISH_FREQUENCY.read_text(encoding="utf-8").splitlines():
        word, tab, value = line.partition("\t")
        if not tab or word.startswith("#"):
            continue
        try:
            zipf = float(value)
        except ValueError:
            continue
        key = plain_stem(word)
        if zipf > table.get(key, -1.0):
            table[key] = zipf
    return table


# Zipf 4 is once per 100,000 words of English: "interactions", "account", "settings".
EVERYDAY_ZIPF = 4.0


@lru_cache(maxsize=1)
def everyday_stems(min_zipf: float = EVERYDAY_ZIPF) -> frozenset[str]:
    """Stems of words common enough in English that they are never someone's typo.

    The typo reader would otherwise take a real word the knowledge lacks for the nearest
    known one ("interactions" became "integrations" and answered about connectors). At
    Zipf 4 the change left every tuning figure as it was and removed one wrong answer
    held out (Zipf 3.5 and 3.0 lost a right answer held out as well).
    """
    return frozenset(s for s, zipf in english_zipf().items() if zipf >= min_zipf)


def log_ratios(phrasing_tokens: Iterable[Iterable[str]]) -> dict[str, float]:
    """log10 of each token's share of the phrasings over its share of English text.

    A token counts once per phrasing it appears in; tokens English does not list (product
    names, numbers, other languages) get no ratio and so keep their full weight.
    """
    counts: dict[str, int] = {}
    for tokens in phrasing_tokens:
        for token in set(tokens):
            counts[token] = counts.get(token, 0) + 1
    total = sum(counts.values())
    english = english_zipf()
    ratios = {}
    for token, count in counts.items():
        zipf = english.get(token)
        if zipf is not None:
            # Zipf z means 10**z per 10**9 words, a share of 10**(z - 9).
            ratios[token] = math.log10(count / total) - (zipf - 9.0)
    return ratios


def ramp(value: float, low: float, high: float, floor: float) -> float:
    """The share (value - low) / (high - low), clamped to [floor, 1.0].

    So 1.0 from `high` up, and `floor` wherever the share would fall below it (with the
    shipped 0.0 / 2.0 / 0.6, a log ratio of 1.2 or less keeps 60%).
    """
    if high <= low:
        return 1.0 if value >= high else floor
    return max(floor, min(1.0, (value - low) / (high - low)))


def known_factor(ratio: float | None, low: float, high: float, floor: float) -> float:
    """The share of its IDF a known word keeps, from its log ratio (None: keeps it all)."""
    if ratio is None or floor >= 1.0:
        return 1.0
    return ramp(ratio, low, high, floor)


def unknown_factor(token: str, everyday: float, rare: float) -> float:
    """The share of the unknown-word weight a word the knowledge lacks keeps.

    Full weight up to Zipf `rare` (or when English does not list it); none from Zipf
    `everyday` up; linear between.
    """
    zipf = english_zipf().get(token)
    if zipf is None or everyday <= rare:
        return 1.0
    return max(0.0, min(1.0, (everyday - zipf) / (everyday - rare)))
