"""Pick the entry that answers a question, or abstain: deterministic and explainable.

Scoring combines two signals, chosen by measurement on the dev split of the eval set:

* an IDF-weighted token overlap between the question and each phrasing of an entry
  (alternate questions, title, curator aliases), so distinctive words ("incognito",
  "telemetry", "5 years") count far more than common ones ("the", "data");
* rapidfuzz's token_set_ratio on the normalised strings of the best phrasings, which
  rewards near-identical wording and absorbs small typos.

Question words the knowledge has never seen keep their weight, so "pricing" or "openai" pull
the score down and the bot abstains instead of guessing. Everything about the knowledge is
precomputed in `Index.build`; a question costs one normalisation, a walk over the posting
lists of its own tokens, and rapidfuzz on a few dozen candidate strings.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import repeat
from operator import add, itemgetter, truediv

from rapidfuzz import fuzz, process

from bot.core.match_settings import MatchSettings
from bot.core.normalise import FUNCTION_WORDS, HELP_WORDS, Normaliser, phrase_alternation
from bot.core.result import Candidate, Explanation, Outcome, Result
from bot.core.topicality import everyday_stems, known_factor, log_ratios, unknown_factor
from bot.core.word_model import WordModel
from bot.knowledge.model import Entry, Knowledge

NAMING_DAMPING = 0.35  # weight kept by words that only name a surface or account
COMMON_FRACTION = 0.25  # tokens in more than this share of entries never seed candidates
MAX_SEED_ENTRIES = 1000  # ...or in more entries than this: bounds a question's work at scale
# Up to this many entries, common words rank the shortlist too; beyond, only distinctive
# words do, which keeps a question's work bounded (at 1,000 entries it tripled p99).
FULL_COVER_ENTRIES = 500
# On larger knowledge, a question made only of common words is shortlisted from the entries
# each of its words is most central to (this many per word), not from every entry.
COMMON_TOP = 400
CENTRAL_SHARE = 3.0  # a word in 1/CENTRAL_SHARE of an entry's phrasings is central to it


@dataclass(slots=True)
class _Phrasing:
    entry: int
    display: str
    text: str
    weights: dict[str, float]
    total: float
    sorted_text: str  # the tokens sorted, as token_sort_ratio compares them


@dataclass(slots=True)
class Index:
    """Everything precomputed from one Knowledge (plus curator aliases) for matching."""

    knowledge: Knowledge
    normaliser: Normaliser
    entries: list[Entry]
    phrasings: list[_Phrasing]
    # A phrasing's cleaned text -> its entry, for texts only one entry uses: a question that
    # is word for word one of them (a curator's taught alias, an entry's title) is that
    # entry's, whatever the scores of its common words say.
    verbatim: dict[str, int]
    # surface id -> the entries that serve it, themselves or through a per-surface version
    # (the surface bonus and filter; a per-surface command's fallback shortlist).
    serving: dict[str, frozenset[int]]
    # token -> (entry, idf · centrality): the product a question adds to an entry's cover
    # for this token (a known token's weight is its idf), multiplied once here, not per query.
    entry_postings: dict[str, tuple[tuple[int, float], ...]]
    # An entry's phrasings are consecutive in `phrasings`, from entry_first[e]; per entry,
    # each token maps to the offsets of the phrasings using it, and entry_totals holds each
    # phrasing's IDF total, so a question sums shared weight in a flat list, not a dict.
    entry_phrasings: list[dict[str, tuple[int, ...]]]
    # token -> its entry_postings gains per entry index (0.0 where absent), for common
    # tokens only: a question made only of them is summed column-wise at C speed.
    common_columns: dict[str, list[float]]  # only up to FULL_COVER_ENTRIES entries
    common_top: dict[str, tuple[tuple[int, float], ...]]  # only beyond FULL_COVER_ENTRIES
    entry_first: list[int]
    entry_totals: list[tuple[float, ...]]
    idf: dict[str, float]
    unknown_idf: float
    topical_ratio: dict[str, float]  # token -> log10(share of phrasings / share of English)
    bags: list[dict[str, float]]  # per entry: token -> how central it is (0-1]
    surface_words: dict[str, str]
    terms_words: dict[str, str]
    hint_words: dict[str, str]
    scope_words: dict[str, str]  # phrase -> the out-of-scope topic it signals
    surface_re: re.Pattern[str] | None
    terms_re: re.Pattern[str] | None
    hint_re: re.Pattern[str] | None
    scope_re: re.Pattern[str] | None
    parents: dict[str, tuple[str, ...]]
    position: dict[str, int]
    common: frozenset[str]
    word_model: WordModel
    # (token, topicality factor) -> the token's common column times the factor. The factor
    # depends on the token and the settings only, so each product is made once, not on
    # every question naming the word (it was a tenth of a long post's scoring time).
    damped_columns: dict[tuple[str, float], list[float]] = field(default_factory=dict)
    # settings -> token -> (weight, topicality factor or None), filled as questions come.
    token_weights: dict[MatchSettings, dict[str, tuple[float, float | None]]] = field(
        default_factory=dict)

    @classmethod
    def build(cls, knowledge: Knowledge, aliases: Iterable[tuple[str, str]] = ()) -> Index:
        normaliser = Normaliser(knowledge.synonyms)
        # Words that only name a product or account ("desktop app", "max plan") are handled
        # by surface and terms detection; as match evidence they must not outweigh the words
        # that say what is asked, so their weight is damped below.
        naming = [w for s in knowledge.surfaces.values() for w in (*s.words, s.name)]
        naming += [w for t in knowledge.terms.values() for w in t.words]
        naming_tokens = {t for w in naming for t in normaliser(w, drop_fillers=False).tokens}
        entries = list(knowledge.entries.values())
        position = {entry.id: i for i, entry in enumerate(entries)}
        extra: dict[str, list[str]] = defaultdict(list)
        for entry_id, question in aliases:
            extra[entry_id].append(question)

        surface_texts = [w for s in knowledge.surfaces.values() for w in (*s.words, s.name)]
        surface_texts += [w for t in knowledge.terms.values() for w in t.words]
        raw: list[tuple[int, str, tuple[str, ...]]] = []
        bags: list[dict[str, float]] = []
        for i, entry in enumerate(entries):
            counts: dict[str, int] = defaultdict(int)
            texts = [entry.title, *entry.questions, *extra.get(entry.id, ())]
            for text in texts:
                tokens = normaliser(text).tokens
                if tokens:
                    raw.append((i, text, tokens))
                    for token in dict.fromkeys(tokens):
                        counts[token] += 1
            for keyword in entry.keywords:
                for token in normaliser(keyword).tokens:
                    counts[token] += len(texts)  # a curator's keyword is central by definition
            # How central each word is to the entry: a word in a third of its phrasings counts
            # fully; a word used once in passing ("gone for good") barely counts.
            share = max(1, len(texts)) / CENTRAL_SHARE
            bags.append({t: min(1.0, c / share) for t, c in counts.items()})

        # A hyphenated product name ("acme-cli") names a surface (detected on the plain
        # text) but is no word of any phrasing: as a known word it would stay whole and weigh
        # as an unknown one, so only its parts are learnt and a question's is read as them.
        plain_words = {w for text in (*(t for _, t, _ in raw),
                                      *(w.replace("-", " ") for w in surface_texts))
                       for w in normaliser.words(text).split()}
        normaliser.learn_vocabulary(plain_words, everyday=everyday_stems())

        n = max(1, len(entries))
        df: dict[str, int] = defaultdict(int)
        for bag in bags:
            for token in bag:
                df[token] += 1
        idf = {t: math.log((n + 1) / (d + 0.5)) + 0.1 for t, d in df.items()}
        for token in naming_tokens & idf.keys():
            idf[token] *= NAMING_DAMPING
        unknown_idf = math.log((n + 1) / 0.5) + 0.1
        common = frozenset(t for t, d in df.items()
                           if (d > COMMON_FRACTION * n and n >= 8) or d > MAX_SEED_ENTRIES)
        small = len(entries) <= FULL_COVER_ENTRIES

        phrasings: list[_Phrasing] = []
        entry_phrasings: list[dict[str, list[int]]] = [defaultdict(list) for _ in entries]
        entry_first = [0] * len(entries)
        entry_totals: list[list[float]] = [[] for _ in entries]
        for i, text, tokens in raw:  # grouped by entry, in entry order
            if not entry_totals[i]:
                entry_first[i] = len(phrasings)
            weights = {t: idf[t] for t in dict.fromkeys(tokens)}
            for token in weights:
                entry_phrasings[i][token].append(len(entry_totals[i]))
            phrasings.append(_Phrasing(i, text, " ".join(tokens), weights, sum(weights.values()),
                                       " ".join(sorted(tokens))))
            entry_totals[i].append(phrasings[-1].total)
        entry_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, bag in enumerate(bags):
            for token, centrality in bag.items():
                entry_postings[token].append((i, idf[token] * centrality))

        surface_words: dict[str, str] = {}
        for surface in knowledge.surfaces.values():
            for word in (*surface.words, surface.name, surface.command_name):
                key = normaliser.words(word)
                if key:
                    surface_words.setdefault(key, surface.id)
        terms_words = {normaliser.words(w): t.id for t in knowledge.terms.values()
                       for w in t.words if normaliser.words(w)}
        hint_words = {normaliser.words(w): s.id for s in knowledge.surfaces.values()
                      for w in s.hints if normaliser.words(w)}
        scope_words = {normaliser.words(w): t.topic for t in knowledge.out_of_scope
                       for w in t.phrases if normaliser.words(w)}

        parents: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            for variant in entry.variants:
                parents[variant].append(entry.id)

        return cls(
            knowledge=knowledge,
            normaliser=normaliser,
            entries=entries,
            phrasings=phrasings,
            verbatim=_verbatim(phrasings),
            serving=_serving(knowledge, entries),
            entry_postings={t: tuple(p) for t, p in entry_postings.items()},
            entry_phrasings=[{t: tuple(ps) for t, ps in local.items()}
                             for local in entry_phrasings],
            common_columns={t: _column(entry_postings[t], len(entries)) for t in common}
            if small else {},
            common_top={} if small else {
                t: tuple(sorted(entry_postings[t], key=lambda p: (-p[1], p[0]))[:COMMON_TOP])
                for t in common},
            entry_first=entry_first,
            entry_totals=[tuple(totals) for totals in entry_totals],
            idf=idf,
            unknown_idf=unknown_idf,
            topical_ratio=log_ratios(tokens for _, _, tokens in raw),
            bags=bags,
            surface_words=surface_words,
            terms_words=terms_words,
            hint_words=hint_words,
            scope_words=scope_words,
            surface_re=phrase_alternation(surface_words),
            terms_re=phrase_alternation(terms_words),
            hint_re=phrase_alternation(hint_words),
            scope_re=phrase_alternation(scope_words),
            parents={k: tuple(v) for k, v in parents.items()},
            position=position,
            common=common,
            word_model=WordModel.build(((i, tokens) for i, _, tokens in raw), len(entries)),
        )

    def detect_surface(self, plain: str, terms_hint: str | None = None
                       ) -> tuple[str | None, bool]:
        """The one surface a question names, and whether it compares surfaces or terms.

        Account phrases ("api key") only count when nothing else is named, so "app X with an
        api key" is about app X. A named surface whose own terms are the account's terms is
        read as the account when another product is named too ("we run app X on our
        platform key"). A product named beside an account under other terms ("the api or a
        consumer plan?") is a comparison.
        """
        if self.surface_re is None:
            return None, False
        without_terms = self.terms_re.sub(" ", plain) if self.terms_re else plain
        named = {self.surface_words[m.group()] for m in self.surface_re.finditer(without_terms)}
        if not named:
            named = {self.surface_words[m.group()] for m in self.surface_re.finditer(plain)}
        surfaces = self.knowledge.surfaces
        if terms_hint and len(named) > 1:
            named = {s for s in named if surfaces[s].terms != terms_hint} or named
        if len(named) != 1:
            return None, len(named) > 1
        surface = named.pop()
        own_terms = self.knowledge.terms.get(surfaces[surface].terms)
        if terms_hint and own_terms and own_terms.words and own_terms.id != terms_hint:
            return None, True
        return surface, False

    def detect_hint(self, plain: str) -> str | None:
        """The one surface whose own features the question names ("incognito"), if exactly one."""
        found = _named(self.hint_re, self.hint_words, plain)
        return found[0] if len(found) == 1 else None

    def out_of_scope(self, plain: str) -> list[str]:
        """The out-of-scope topics the question names ("chatgpt" -> other vendors)."""
        return _named(self.scope_re, self.scope_words, plain)

    def detect_terms(self, plain: str) -> str | None:
        """Terms the question signals by account words ("on my max plan"), if exactly one."""
        found = _named(self.terms_re, self.terms_words, plain)
        return found[0] if len(found) == 1 else None

    def complete(self, text: str, limit: int = 25,
                 settings: MatchSettings | None = None) -> list[tuple[str, str]]:
        """Phrasings that fit the text typed so far, one per entry, best entry first.

        Ranked by the same scoring as questions, so a half-typed question offers the entries
        it is heading for; with nothing typed, each entry's first phrasing.
        """
        tokens = self.normaliser(text).tokens if text.strip() else ()
        if not tokens:
            return [(e.questions[0], e.id) for e in self.entries if e.questions][:limit]
        scored = _score_entries(self, tokens, settings or MatchSettings())
        ranked = sorted(scored.items(), key=lambda item: item[1][0], reverse=True)[:limit]
        return [(self.phrasings[p].display, self.entries[e].id) for e, (_, p) in ranked]


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


_ABOUT_THE_BOT = FUNCTION_WORDS | HELP_WORDS


def _verbatim(phrasings: list[_Phrasing]) -> dict[str, int]:
    owners: dict[str, set[int]] = defaultdict(set)
    for phrasing in phrasings:
        owners[phrasing.text].add(phrasing.entry)
    return {text: next(iter(found)) for text, found in owners.items() if len(found) == 1}


def _serving(knowledge: Knowledge, entries: list[Entry]) -> dict[str, frozenset[int]]:
    return {surface: frozenset(
        i for i, entry in enumerate(entries)
        if _surface_fits(entry, surface) or any(
            v in knowledge.entries and _surface_fits(knowledge.entries[v], surface)
            for v in entry.variants))
        for surface in knowledge.surfaces}


def _question_sentences(text: str, limit: int = 2) -> list[str]:
    """The sentences of a long post that hold its question: the last asked ones, else the end."""
    sentences = [s.strip() for s in _SENTENCE.findall(text[:4000]) if len(s.split()) >= 3]
    asked = [s for s in sentences if s.endswith("?")]
    # A statement beside a question is context ("my setting is on"), not the ask.
    return (asked or sentences)[::-1][:limit]


# Where a title's clauses meet: a colon, a spaced dash, a bar, or a question mark with
# more text after it.
_HEADLINE_BREAK = re.compile(r"\s*(?::|\s[-\u2013\u2014|]\s|\?(?=\s*\S))\s*")


def _headline_parts(text: str) -> list[str]:
    """The clauses of a short title, when it has more than one."""
    parts = [part for part in _HEADLINE_BREAK.split(text.strip()) if part.strip()]
    return parts if len(parts) > 1 else []


def _blend_parts(index: Index, parts: list[str], scored: dict[int, tuple[float, int]],
                 tokens: tuple[str, ...], shares: dict[int, float], settings: MatchSettings,
                 w: float, min_tokens: int, allowed: frozenset[int] | None = None
                 ) -> tuple[dict[int, tuple[float, int]], tuple[str, ...], dict[int, float]]:
    """Each entry scored on one part and on the whole together, for the part that fits best.

    The whole stays in the blend so that an entry must fit both the ask and what the text is
    about; a part is taken only when some entry fits it (so blended) better than the whole.
    """
    whole, whole_shares = scored, shares
    for part in parts:
        part_tokens = index.normaliser(part).tokens
        if len(part_tokens) < min_tokens or len(part_tokens) >= len(tokens):
            continue
        part_shares: dict[int, float] = {}
        blended = {e: (w * s + (1 - w) * whole.get(e, (0.0, p))[0], p)
                   for e, (s, p) in _score_entries(index, part_tokens, settings,
                                                   part_shares, allowed=allowed).items()}
        best_part = max((v[0] for v in blended.values()), default=0.0)
        if best_part > max((v[0] for v in scored.values()), default=0.0):
            scored, tokens = blended, part_tokens
            shares = {e: w * part_shares.get(e, 0.0) + (1 - w) * whole_shares.get(e, 0.0)
                      for e in blended}
    return scored, tokens, shares


def _poster_surface(index: Index, question: str, plain: str) -> tuple[str | None, bool]:
    """The surface a long post that names several is about, or a comparison.

    Forum posts name other products as context ("my brother says it's like the website");
    unless the question sentences themselves compare, the surface (or the account) named
    first is the poster's own ("I built an app on your API ...").
    """
    asked = index.normaliser.words(" ".join(_question_sentences(question)))
    surface, compared = index.detect_surface(asked, index.detect_terms(asked))
    if surface or compared:
        return surface, compared
    first = _first_named(index.surface_re, plain)
    account = _first_named(index.terms_re, plain)
    if account and (not first or account.start() < first.start()):
        # "I pay for the top personal plan ... the same terms as API customers?": the
        # account named first is the poster's own.
        surface = index.knowledge.terms[index.terms_words[account.group()]].surface
        return (surface, False) if surface else (None, True)
    return (index.surface_words[first.group()], False) if first else (None, True)


def _first_named(pattern: re.Pattern[str] | None, plain: str) -> re.Match[str] | None:
    return pattern.search(plain) if pattern is not None else None


def _named(pattern: re.Pattern[str] | None, meaning: dict[str, str], plain: str) -> list[str]:
    """What the phrases of `pattern` found in the text stand for, each once, in text order."""
    if pattern is None:
        return []
    return list(dict.fromkeys(meaning[m.group()] for m in pattern.finditer(plain)))


def _surface_fits(entry: Entry, surface: str) -> bool:
    return surface in entry.surfaces


def _score_entries(index: Index, tokens: tuple[str, ...], settings: MatchSettings,
                   shares: dict[int, float] | None = None, include: int | None = None,
                   allowed: frozenset[int] | None = None) -> dict[int, tuple[float, int]]:
    """Best combined score per entry index, with the phrasing that produced it.

    `include` is scored even when the shortlist would leave it out (the entry a question
    repeats word for word: common words alone may not shortlist it). With `allowed`, only
    those entries are shortlisted (a per-surface command's), so entries it would drop
    afterwards cannot crowd its own out of the shortlist.

    This is the hot loop of every question (and runs up to three times for a long post), so
    it is written for CPython speed; every float is still added in the same order as the
    plain formulation (token by token, in the question's token order), so scores and tie
    orders are bit-for-bit those of the straightforward code.
    """
    weights, damped = _question_weights(index, tokens, settings)
    total = sum(weights.values())
    postings = index.entry_postings
    known = [t for t in weights if t in postings]
    if total <= 0 or not known:
        return {}
    # A long post carries context around its question; judge phrasings against a question
    # of ordinary length so the context dilutes less (containment rather than likeness).
    if len(tokens) > settings.long_question_tokens:
        total *= (settings.long_question_tokens / len(tokens)) ** settings.long_scale_power
    # Entries first: how much of the question each entry's central words cover, walking only
    # the posting lists of distinctive words (common ones would touch most of a large
    # knowledge base). Only the best entries' phrasings are then compared one by one.
    common = index.common
    seeds = [t for t in known if t not in common]
    rest = [(t, weights[t]) for t in known if t in common] if seeds else []
    if seeds:
        # Postings hold weight × centrality already; the first list fills the dict at C
        # speed (the same floats as adding them to zero), later ones add in posting order.
        first = seeds[0]
        cover = dict(postings[first]) if first not in damped else \
            {e: gain * damped[first] for e, gain in postings[first]}
        get = cover.get
        for token in seeds[1:]:
            if token in damped:
                factor = damped[token]
                for e, gain in postings[token]:
                    cover[e] = get(e, 0.0) + gain * factor
            else:
                for e, gain in postings[token]:
                    cover[e] = get(e, 0.0) + gain
        if rest and index.common_columns:
            # Without this, "data retention policy" (retention being in many entries) was
            # shortlisted by "policy" alone and no retention entry reached the scoring.
            # The common words' columns are added element-wise in C, then the seeds' cover.
            columns = [_damped_column(index, t, damped.get(t)) for t, _ in rest]
            sums = columns[0]
            for column in columns[1:]:
                sums = list(map(add, sums, column))
            sums = list(sums)
            for e, gain in cover.items():
                sums[e] += gain
            cover = {e: v for e, v in enumerate(sums) if v}
            rest = []
        if allowed is not None:
            cover = {e: v for e, v in cover.items() if e in allowed}
        # The entries heapq.nlargest(max_entries, cover.items(), key=value) would pick, in
        # its order (ties in insertion order): sort only those at or above the cut-off.
        cut = _nth_largest(cover.values(), settings.max_entries)
        shortlist = sorted([item for item in cover.items() if item[1] >= cut],
                           key=itemgetter(1), reverse=True)[:settings.max_entries]
    else:
        shortlist = _common_shortlist(index, known, settings.max_entries, damped, allowed)
    if include is not None and (allowed is None or include in allowed) and \
            all(e != include for e, _ in shortlist):
        # Its cover as the walk would have summed it: words not merged into `cover` (`rest`)
        # are added at the coverage step below, as for every shortlisted entry.
        bag = index.bags[include]
        counted = seeds if rest else known
        shortlist.append((include, sum(weights[t] * bag.get(t, 0.0) for t in counted)))
    # Doubled once here: 2·(a + b + …) and 2a + 2b + … are the same float (scaling by two is
    # exact), so the F-measure below needs no multiplication per phrasing.
    known_doubled = [(t, 2.0 * weights[t]) for t in known]
    phrasings = index.phrasings
    covers = dict(shortlist)
    # The shortlisted entries' phrasings side by side: 2·shared weight, IDF total and id.
    shared_all: list[float] = []
    totals_all: list[float] = []
    ids: list[int] = []
    for e, _ in shortlist:
        local = index.entry_phrasings[e]
        totals = index.entry_totals[e]
        shared = [0.0] * len(totals)
        for token, w in known_doubled:
            found = local.get(token)
            if found:
                for j in found:
                    shared[j] += w
        shared_all += shared
        totals_all += totals
        first = index.entry_first[e]
        ids += range(first, first + len(totals))
    # The F-measure of IDF-weighted recall and precision, 2·shared / (Q + P), for every
    # phrasing at once in C (the same float operations as per phrasing in Python); a
    # phrasing sharing no word scores 0.0 and is no candidate (weights are positive).
    overlaps = list(map(truediv, shared_all, map(add, repeat(total), totals_all)))
    # Phrasing ids are unique, so this is a total order: the same top as heapq.nlargest,
    # found by sorting the few candidates at or above the cut-off overlap (cheap floats).
    # Zeros only count towards the cut when fewer than max_candidates phrasings share a
    # word, and then every sharing phrasing is kept anyway.
    cut = _nth_largest(overlaps, settings.max_candidates)
    ranked = sorted([(overlap, p) for overlap, p in zip(overlaps, ids, strict=True)
                     if overlap >= cut and overlap], reverse=True)[:settings.max_candidates]
    fuzzy_of = _fuzzy_scores(index, tokens, [p for _, p in ranked], settings.fuzz_scorer)
    coverage: dict[int, float] = {}  # only for the entries whose phrasings are ranked
    best: dict[int, tuple[float, int]] = {}
    for overlap_f, p in ranked:
        e = phrasings[p].entry
        if e not in coverage:
            bag = index.bags[e]
            coverage[e] = min(1.0, (covers[e] + sum([w * bag.get(t, 0.0) for t, w in rest]))
                              / total)
        fuzzy = fuzzy_of[p] / 100
        score = 100 * (settings.overlap_weight * overlap_f
                       + settings.fuzz_weight * fuzzy
                       + settings.coverage_weight * coverage[e])
        if e not in best or score > best[e][0]:
            best[e] = (score, p)
    if best and settings.word_model_weight:
        best = _weigh_word_model(index, tokens, best, settings, shares)
    return best


def _weigh_word_model(index: Index, tokens: tuple[str, ...], best: dict[int, tuple[float, int]],
                      settings: MatchSettings, shares: dict[int, float] | None = None
                      ) -> dict[int, tuple[float, int]]:
    """Siblings share most words, so the overlap scores barely tell them apart: each entry
    now trails by how much worse its phrasings' word model fits the question.

    Only the leading entries are modelled (the decision and the suggestions never look
    further); the rest trail by at least as much as the worst-fitting of those. The points
    taken off go into `shares` when given, for the explanation.
    """
    leading = heapq.nlargest(settings.word_model_entries, best, key=lambda e: best[e][0])
    if not leading:
        return best
    fits = index.word_model.fit(tokens, leading)
    top = max(fits.values())
    floor = min(fits.values())
    weight = settings.word_model_weight
    taken = {e: weight * (fits.get(e, floor) - top) for e in best}
    if shares is not None:
        shares.update(taken)
    return {e: (score + taken[e], p) for e, (score, p) in best.items()}


def _fuzzy_scores(index: Index, tokens: tuple[str, ...], ranked: list[int], scorer: str
                  ) -> dict[int, float]:
    """rapidfuzz's score of the question against each ranked phrasing, by phrasing id.

    One batch call: rapidfuzz prepares the (long) question once for all phrasings instead of
    once per call. token_sort_ratio is fuzz.ratio on the space-joined sorted tokens, so for
    it the phrasings' sorted strings come from the index and the question is sorted once
    here, instead of rapidfuzz splitting and sorting all of them on every question; the
    scores are the same.
    """
    phrasings = index.phrasings
    if scorer == "token_sort_ratio":
        query = " ".join(sorted(tokens))
        choices = {p: phrasings[p].sorted_text for p in ranked}
        score = fuzz.ratio
    else:
        query = " ".join(tokens)
        choices = {p: phrasings[p].text for p in ranked}
        score = getattr(fuzz, scorer)
    return {p: value for _, value, p in process.extract(query, choices, scorer=score,
                                                          processor=None, limit=None)}


def _column(posting: Iterable[tuple[int, float]], size: int) -> list[float]:
    column = [0.0] * size
    for e, gain in posting:
        column[e] = gain
    return column


def _question_weights(index: Index, tokens: tuple[str, ...], settings: MatchSettings
                      ) -> tuple[dict[str, float], dict[str, float]]:
    """Each distinct question token's weight, and the known tokens' topicality factors below 1.

    A known token weighs its IDF times its topicality; one the knowledge lacks weighs the
    unknown weight times how rare it is in English. The factors are returned so that the
    entries' precomputed cover (IDF · centrality) is damped the same way.
    """
    # A token's weight and factor depend on it and the settings only: a known token's are
    # worked out once per settings and kept (the knowledge's vocabulary bounds the cache;
    # words it lacks are not kept, or a stream of odd input would grow it without end).
    known_words = index.token_weights.get(settings)
    if known_words is None:
        known_words = index.token_weights[settings] = {}
    idf = index.idf
    weights: dict[str, float] = {}
    damped: dict[str, float] = {}
    for token in dict.fromkeys(tokens):
        found = known_words.get(token)
        if found is None:
            found = _token_weight(index, token, settings)
            if token in idf:
                known_words[token] = found
        weights[token], factor = found
        if factor is not None:
            damped[token] = factor
    return weights, damped


def _token_weight(index: Index, token: str, settings: MatchSettings
                  ) -> tuple[float, float | None]:
    """One token's weight, and its topicality factor when that is below 1."""
    known = index.idf.get(token)
    if known is None:
        return index.unknown_idf * settings.unknown_weight * unknown_factor(
            token, settings.unknown_everyday, settings.unknown_rare), None
    factor = known_factor(index.topical_ratio.get(token), settings.topical_low,
                          settings.topical_high, settings.topical_floor)
    return (known * factor, factor) if factor < 1.0 else (known, None)


def _damped_column(index: Index, token: str, factor: float | None) -> list[float]:
    """The token's common column, damped by its topicality factor (cached per factor)."""
    column = index.common_columns[token]
    if factor is None:
        return column
    key = (token, factor)
    found = index.damped_columns.get(key)
    if found is None:
        found = index.damped_columns[key] = [value * factor for value in column]
    return found


def _common_shortlist(index: Index, known: list[str], limit: int, damped: dict[str, float],
                      allowed: frozenset[int] | None = None) -> list[tuple[int, float]]:
    """The shortlist of a question made only of common words, as the posting walk finds it.

    Up to FULL_COVER_ENTRIES entries, their columns are added element-wise in C; adding 0.0
    for an absent entry changes no sum. The walk would insert an entry when the first of
    these tokens containing it comes up, so ties keep that order. Beyond, a column is one
    float per entry (a 13-word question of common words spent 35 ms adding them at 10,000
    entries), so only the entries each word is most central to are walked.
    """
    if not index.common_columns:
        cover: dict[int, float] = {}
        get = cover.get
        for token in known:
            factor = damped.get(token, 1.0)
            for e, gain in index.common_top[token]:
                cover[e] = get(e, 0.0) + gain * factor
        if allowed is not None:
            cover = {e: v for e, v in cover.items() if e in allowed}
        cut = _nth_largest(cover.values(), limit)
        return sorted([item for item in cover.items() if item[1] >= cut],
                      key=itemgetter(1), reverse=True)[:max(limit, 0)]
    columns = [_damped_column(index, t, damped.get(t)) for t in known]
    sums = columns[0]
    for column in columns[1:]:
        sums = list(map(add, sums, column))
    if allowed is not None:
        sums = [v if e in allowed else 0.0 for e, v in enumerate(sums)]
    cut = max(_nth_largest(sums, limit), 0.0)
    picked = [(e, v) for e, v in enumerate(sums) if v >= cut and v]

    def walk_order(item: tuple[int, float]) -> tuple[float, int, int]:
        first = next(i for i, column in enumerate(columns) if column[item[0]])
        return -item[1], first, item[0]

    return sorted(picked, key=walk_order)[:max(limit, 0)]


def _nth_largest(values: Collection[float], n: int) -> float:
    """The n-th largest value: keeping values at or above it keeps the n largest (and ties)."""
    if n <= 0:
        return math.inf
    if len(values) <= n:
        return -math.inf
    # A C-level sort wins on a few hundred values; nlargest's Python loop on thousands.
    if len(values) <= 500:
        return sorted(values, reverse=True)[n - 1]
    return heapq.nlargest(n, values)[-1]


def _resolve_variants(index: Index, best: Entry, surface: str | None, terms_hint: str | None,
                      adjusted: list[tuple[float, int, int]]) -> tuple[Entry, tuple[Entry, ...]]:
    """The entry to show and the per-surface (or per-account) versions to show beside it.

    A general entry with variants resolves to the variant for the named surface. A surface
    can still run under either set of terms (an account fork): then the versions that fit
    the surface are all returned, the one the question's account words point at first.
    """
    family = best
    if not best.variants:
        parents = index.parents.get(best.id, ())
        if not (surface and parents):
            return best, ()
        family = index.knowledge.entries[parents[0]]
    pool = [index.knowledge.entries[v] for v in family.variants]
    if surface:
        pool = [v for v in pool if _surface_fits(v, surface)] or ([best] if best is not family
                                                                  else [])
    if terms_hint:
        pool = [v for v in pool if terms_hint in v.terms] or pool
    if not pool:
        return best, ()
    by_score = {index.entries[e].id: s for s, e, _ in adjusted}
    if best in pool:
        by_score[best.id] = float("inf")
    pool.sort(key=lambda v: by_score.get(v.id, 0.0), reverse=True)
    if surface or len(pool) == 1:
        return pool[0], tuple(pool) if len(pool) > 1 else ()
    return family, tuple(pool)


def _rank(index: Index, question: str, tokens: tuple[str, ...], sentences: list[str],
          verbatim: int | None, surface: str | None, surface_source: str,
          settings: MatchSettings, allowed: frozenset[int] | None = None
          ) -> tuple[list[tuple[float, int, int]], tuple[str, ...], dict[int, float]]:
    """Entries scored, read by parts where that fits better, and moved by the surface.

    Returns (score, entry, phrasing) best first, with the tokens and word-model shares of
    the reading that won.
    """
    long_post = len(tokens) > settings.long_question_tokens
    shares: dict[int, float] = {}  # points the word model took off, per entry
    scored = _score_entries(index, tokens, settings, shares, include=verbatim, allowed=allowed)
    # A question repeating a phrasing word for word is known whole; it is not read by parts.
    if long_post and settings.part_weight > 0 and verbatim is None:
        # A long post usually ends with (or marks with "?") the actual question, but that
        # sentence often leans on the context ("how long is it kept then?"). Each entry is
        # scored on the question sentence and on the whole post together, so an entry must
        # fit both the ask and what it is about.
        scored, tokens, shares = _blend_parts(index, sentences, scored, tokens, shares,
                                              settings, settings.part_weight,
                                              settings.min_part_tokens, allowed)
    elif not long_post and settings.headline_weight > 0 and verbatim is None and \
            max((v[0] for v in scored.values()), default=0.0) < settings.headline_below:
        # A headline or issue title often pads its ask with a second clause ("...: how to
        # opt out in 2 minutes", "... - what you need to know"): read by its parts too,
        # unless the whole already fits an entry well (which the parts never changed).
        scored, tokens, shares = _blend_parts(index, _headline_parts(question), scored,
                                              tokens, shares, settings,
                                              settings.headline_weight,
                                              settings.min_headline_tokens, allowed)
    adjusted: list[tuple[float, int, int]] = []
    serving = index.serving.get(surface, frozenset()) if surface else frozenset()
    for e, (score, p) in scored.items():
        entry = index.entries[e]
        if surface:
            if e in serving:
                # A feature hint already scores as a matched word; a bonus would count it twice.
                if len(entry.surfaces) < 5 and surface_source != "feature":
                    score += settings.surface_bonus
            elif surface_source == "explicit":
                continue
            else:
                score -= settings.off_surface_penalty
        adjusted.append((score, e, p))
    adjusted.sort(reverse=True)
    return adjusted, tokens, shares


def match(index: Index, question: str, surface: str | None, settings: MatchSettings,
          *, explain: bool = True) -> Result:
    """Decide answer / suggest / none for one question."""
    norm = index.normaliser(question or "")
    tokens = norm.tokens
    long_post = len(tokens) > settings.long_question_tokens
    if surface is not None and surface not in index.knowledge.surfaces:
        surface = None
    surface_source = "explicit" if surface else ""
    terms_hint = index.detect_terms(norm.plain)
    compared = False
    if surface is None:
        surface, compared = index.detect_surface(norm.plain, terms_hint)
        if compared and long_post:
            surface, compared = _poster_surface(index, question, norm.plain)
        surface_source = "text" if surface else ""
    if surface is None and terms_hint and not compared:
        surface = index.knowledge.terms[terms_hint].surface
        surface_source = "terms" if surface else ""
    if surface is None and not compared and not terms_hint:
        surface = index.detect_hint(norm.plain)
        surface_source = "feature" if surface else ""
    folds = norm.folds
    version = index.knowledge.version

    def result(outcome: Outcome, reason: str, **kwargs) -> Result:
        explanation = None
        if explain:
            explanation = Explanation(
                normalised=" ".join(tokens), folds=folds, surface_source=surface_source,
                top=kwargs.pop("top", ()), margin=kwargs.pop("margin", 0.0), reason=reason)
        else:
            kwargs.pop("top", None)
            kwargs.pop("margin", None)
        return Result(question=question, outcome=outcome, surface=surface,
                      explanation=explanation, knowledge_version=version, **kwargs)

    if not tokens:
        return result(Outcome.NONE, "nothing to match after removing filler", unasked=True)
    if FUNCTION_WORDS.issuperset(tokens):
        return result(Outcome.NONE, "only words that name no topic", unasked=True)
    if _ABOUT_THE_BOT.issuperset(tokens):
        return result(Outcome.NONE, "asks how to use the bot, not about a policy", unasked=True)

    verbatim = index.verbatim.get(" ".join(tokens))
    sentences = _question_sentences(question) if long_post else []
    adjusted, tokens, shares = _rank(index, question, tokens, sentences, verbatim, surface,
                                     surface_source, settings)
    fallback = not adjusted and surface_source == "explicit" and bool(surface)
    if fallback:
        # No entry shortlisted on the question's words serves the command's surface, yet its
        # own entries may share words further down: shortlist among those only, and offer
        # them rather than decide (the words fitted other surfaces' entries better). Always
        # shortlisting within the surface uncovers runner-ups that cost two right answers
        # on the tuning pools, so it is only the fallback.
        adjusted, tokens, shares = _rank(index, question, norm.tokens, sentences, verbatim,
                                         surface, surface_source, settings,
                                         index.serving.get(surface))
    if not adjusted:
        return result(Outcome.NONE, "no entry shares a word with the question")

    top = tuple(Candidate(index.entries[e], round(min(s, 100.0), 1), index.phrasings[p].display,
                          round(shares.get(e, 0.0), 1))
                for s, e, p in adjusted[:5])
    best_score, best_e, _ = adjusted[0]
    # A question that is one of an entry's own phrasings word for word was put there by a
    # curator or an author for that entry: near ties and thin scores do not overrule them
    # (an explicit surface the entry does not serve has already removed it).
    exact = next(((s, e) for s, e, _ in adjusted if e == verbatim), None)
    if exact is not None:
        best_score, best_e = exact
    best = index.entries[best_e]

    # Prefer the general entry when the question names no surface and the general entry
    # (the parent listing this one as a variant) scores nearly as well.
    if not surface and best.id in index.parents:
        for s, e, _ in adjusted[1:]:
            if index.entries[e].id in index.parents[best.id] and s >= best_score - \
                    settings.parent_tolerance:
                best, best_score = index.entries[e], best_score
                break

    family = {best.id, *best.variants, *index.parents.get(best.id, ())}
    # A surface that runs under either set of terms (a product on a personal plan or on an
    # API key) has one version per account; with no account named they tie by design and
    # the answer shows both, so neither is the other's runner-up (nor its support).
    forks = {v for parent in index.parents.get(best.id, ())
             for v in index.knowledge.entries[parent].variants
             if _surface_fits(index.knowledge.entries[v], surface)} \
        if surface and not terms_hint else set()
    # "how long do they keep stuff if i turn training on": the app's retention entry and the
    # general retention entry both fit; two entries of one family agreeing is evidence
    # that the topic is right, which neither score shows alone.
    kin = next((s for s, e, _ in adjusted
                if index.entries[e].id in family and index.entries[e] is not best), None)
    support = 0.0
    # Long posts score on a lower scale (see long_answer_threshold).
    scale = settings.long_answer_threshold / settings.answer_threshold if long_post else 1.0
    if kin is not None and settings.family_span > 0 and \
            best_score >= settings.family_min * scale:
        support = scale * settings.family_support * max(0.0, 1 - (best_score - kin)
                                                        / settings.family_span)
        best_score += support
    runner_up = next((s for s, e, _ in adjusted
                      if index.entries[e].id not in family and index.entries[e].id not in forks),
                     0.0)
    margin = best_score - runner_up
    score = round(min(best_score, 100.0), 1)

    confident = exact is not None or (not fallback and (
        (best_score >= settings.confident and margin >= settings.confident_margin)
        or (best_score >= settings.answer_threshold and margin >= settings.margin)
        or (best_score >= settings.answer_floor and margin >= settings.strong_margin)
        # A long post is judged against an ordinary-length question, so its scores run
        # lower on the same evidence; it has its own, measured bar.
        or (long_post and best_score >= settings.long_answer_threshold
            and margin >= settings.long_margin)))
    # In a long post only the question sentences count: "our pricing algorithm" as context
    # does not make a question about transcripts a pricing question.
    asked = " ".join(sentences)
    outside = index.out_of_scope(index.normaliser.words(asked) if long_post else norm.plain)
    if confident and outside and best_score < settings.confident and exact is None:
        # The question names something this knowledge does not cover; a partial overlap of
        # words with an entry is then more likely chance than an answer.
        confident = False
    if confident:
        chosen, variants = _resolve_variants(index, best, surface, terms_hint, adjusted)
        reason = f"best score {score} with margin {margin:.1f} over the runner-up"
        if exact is not None:
            reason = (f"the question is word for word a phrasing of "
                      f"{index.entries[exact[1]].id} (score {score})")
        if support:
            reason += f" ({support:.1f} of it from a related general or per-surface entry)"
        return result(Outcome.ANSWER, reason, entry=chosen, score=score, variants=variants,
                      top=top, margin=round(margin, 1))

    suggest_bar = settings.long_suggest_threshold if long_post else settings.suggest_threshold
    if best_score >= suggest_bar:
        picks: list[Candidate] = []
        seen: set[str] = set()
        for s, e, p in adjusted:
            entry = index.entries[e]
            if s < suggest_bar or len(picks) >= settings.max_suggestions:
                break
            if entry.id in seen:
                continue
            seen.update({entry.id, *entry.variants, *index.parents.get(entry.id, ())})
            # Offered in the surface's own version, as an answer would be: a button shows
            # the entry it names, whatever command the question came through. Two siblings
            # can resolve to one version (the account words pick it): offered once.
            shown = _resolve_variants(index, entry, surface, terms_hint, adjusted)[0] \
                if surface else entry
            if any(pick.entry is shown for pick in picks):
                continue
            seen.add(shown.id)
            picks.append(Candidate(shown, round(min(s, 100.0), 1), index.phrasings[p].display))
        reason = (f"names {', '.join(outside)}, which this knowledge does not cover"
                  if outside else f"the words fit other surfaces' entries better than {surface}'s"
                  if fallback else f"best score {score} below {settings.answer_threshold}"
                  if best_score < settings.answer_threshold
                  else f"margin {margin:.1f} over the runner-up is too thin")
        return result(Outcome.SUGGEST, reason, score=score, suggestions=tuple(picks), top=top,
                      margin=round(margin, 1))

    return result(Outcome.NONE, f"best score {score} below {suggest_bar}",
                  score=score, top=top, margin=round(margin, 1))


__all__ = ["Index", "MatchSettings", "match"]
