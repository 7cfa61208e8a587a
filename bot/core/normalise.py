"""Turn what people type into comparable tokens; the same function reads knowledge and questions.

People type in Discord: mentions, markdown, code fences, links, emoji, zero-width characters,
"hey quick question", plurals and synonyms. All of that is noise for matching, so it is
removed here once, and the knowledge is indexed through exactly the same steps so both
sides meet in one vocabulary. Every step is linear in the input, and the input is capped,
so hostile text costs bounded time.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, islice

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from bot.knowledge.model import SynonymGroup

MAX_INPUT_CHARS = 4000  # raw characters looked at; a question longer than this is a post
MAX_TOKENS = 120  # tokens kept after cleaning; the start of a ramble holds its topic

_CODE_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_DISCORD_TOKENS = re.compile(r"<(?:@[!&]?|#|a?:\w{1,32}:)\d{1,22}>|<t:\d{1,15}(?::\w)?>")
_EVERYONE = re.compile(r"@(?:everyone|here)\b")
_MASKED_LINK = re.compile(r"\[([^\]\n]{0,200})\]\((?:<)?https?://[^)\s]{1,2000}(?:>)?\)")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>]{1,2000}")
# Possessive quantifiers: a run of separators can never make the engine backtrack.
_TOKEN = re.compile(r"[^\W_]++(?:[._'’/-][^\W_]++)*+")

# Up to this many characters a text is tokenized whole with findall, then cut to MAX_TOKENS.
_FINDALL_CHARS = 1500
_YEAR = re.compile(r"(?<![^\s])(?:19|20)\d\d(?![^\s])")

# ASCII controls and symbols become spaces (the same rule as below, without a per-char loop).
_ASCII_TABLE = {
    i: " " for i in range(128)
    if unicodedata.category(chr(i))[0] in "CSZ" and chr(i) not in "\n\t"
}

# Generic conversational padding in English questions; nothing vendor-specific lives here.
DEFAULT_FILLERS: tuple[str, ...] = (
    "hey", "hi", "hello", "hiya", "yo", "sup", "heya", "hey there", "hi there", "hello there",
    "quick question", "quick q", "question", "qq", "so", "ok so", "okay so", "um", "uh",
    "please", "pls", "plz", "thanks", "thank you", "thx", "ty", "in advance", "tia",
    "can you tell me", "could you tell me", "can someone tell me", "does anyone know",
    "anyone know", "i was wondering", "i'm wondering", "im wondering", "just wondering",
    "wondering", "i want to know", "i wanna know", "i'd like to know", "curious",
    "genuinely curious", "honest question", "serious question", "real quick", "btw",
    "lol", "lmao", "ngl", "tbh", "imo", "fr", "guys", "folks", "bruh", "ok but",
    "okay but", "i heard", "i heard that", "apparently", "i read that", "i read somewhere",
    "my friend says", "someone said", "someone told me",
    "policybot", "bot",
)


@dataclass(frozen=True, slots=True)
class Normalised:
    """A cleaned text: its canonical tokens, the folded string, and what was folded."""

    text: str  # tokens joined by spaces, after folds and stemming
    tokens: tuple[str, ...]
    folds: tuple[str, ...]  # "phrase -> canonical" for the explanation
    plain: str  # cleaned words before synonym folding, for surface detection


def clean(text: str) -> str:
    """Strip Discord syntax, markup, links, emoji and invisible characters; lowercase."""
    if not text:
        return ""
    text = text[:MAX_INPUT_CHARS]
    text = unicodedata.normalize("NFKC", text)
    # Each pattern starts with a literal that a substring test finds in C; most text has
    # none of them, and a regex scan of a long post per pattern costs more than the test.
    if "```" in text:
        text = _CODE_FENCE.sub(" ", text)
    if "](" in text:
        text = _MASKED_LINK.sub(r" \1 ", text)
    if "<" in text:
        text = _DISCORD_TOKENS.sub(" ", text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EVERYONE.sub(" ", text)
    text = text.casefold()
    if text.isascii():
        return text.translate(_ASCII_TABLE)
    text = unicodedata.normalize("NFKD", text)
    # Format characters (zero-width, bidi overrides) and combining marks vanish, so a word
    # split by an invisible character or carrying accents still matches; controls and
    # symbols (emoji) become spaces.
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cf", "Mn", "Me"):
            continue
        kept.append(" " if category[0] in "CSZ" or category == "Mc" else ch)
    return "".join(kept)


def tokenize(text: str) -> list[str]:
    """Words, keeping dotted and slashed names like 'example.com' or 'snake_case' whole.

    A _TOKEN match starts and ends with a letter or digit, so it never needs stripping of
    separators and is never empty; the apostrophe is the only thing to unify.
    """
    if len(text) <= _FINDALL_CHARS:
        # findall builds the strings in C (half the cost of a long post's match objects);
        # a text this short holds few enough tokens that finding them all costs nothing.
        tokens = _TOKEN.findall(text)[:MAX_TOKENS]
    else:
        tokens = [match.group() for match in islice(_TOKEN.finditer(text), MAX_TOKENS)]
    curly = "’" in text
    if curly:
        tokens = [token.replace("’", "'") for token in tokens]
    if curly or "'" in text:
        # A possessive names the same thing: "the app's telemetry" is about "the app".
        tokens = [token[:-2] if token.endswith("'s") else token for token in tokens]
    return tokens


@lru_cache(maxsize=16384)
def stem(token: str) -> str:
    """A deliberately light stemmer: plural and tense endings only, so 'chats' meets 'chat'.

    Cached: a pure function of one word, called for every word of every question, and the
    words people use repeat endlessly (a long post's sentences are also normalised again).
    """
    if len(token) <= 3 or not token.isalpha():
        return token
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""),
                         ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            if suffix == "es" and not token.endswith(("ches", "shes", "xes", "zes", "sses")):
                continue
            if suffix == "s" and token.endswith(("ss", "us", "is")):
                return token
            return token[: len(token) - len(suffix)] + keep
    return token


# English words that name no topic ("yes", "what", "is it"). A question made only of them
# has nothing to match: "yes" scored 65 against an entry and was answered. Stemmed, as
# tokens are.
_FUNCTION_TEXT = """
a an the this that these those some any each every both either neither such own
i me my mine myself we us our ours you your yours he him his she her hers it its they
them their theirs one someone somebody anyone anybody everyone everything something
anything nothing who whom whose which what when where why how whether
am is are was were be been being have has had having do does did doing done
will would shall should can could may might must ought
and or but nor so yet if then than because as while until though although since
of at by for with about against between into through during before after above below
to from up down in out on off over under again further once here there
just only also too very really actually basically literally honestly totally
maybe perhaps probably definitely certainly seriously simply quite rather pretty
like kinda sorta even still already ever never always often sometimes usually
all most more less many much few other another same else lot lots bit stuff thing
things way ways yeah yes yep nope no not ok okay well oh hmm anyway anyways sure right
"""
FUNCTION_WORDS: frozenset[str] = frozenset(map(stem, _FUNCTION_TEXT.split()))

# Words that, with function words only, ask how to use the bot rather than about a policy:
# a bare "help" shares a word with a knowledge's settings ("help improve ...") and was
# answered with one.
_HELP_TEXT = """
help helps helping command commands usage use using work works info hello hi hey menu
option options guide instructions link links url
"""
HELP_WORDS: frozenset[str] = frozenset(map(stem, _HELP_TEXT.split()))


def phrase_alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word regex for any of `phrases`, the longest wherever several would fit.

    Built as a character trie ("data (?:retention|usage)") instead of a flat "a|b|c" list
    sorted longest first: re tries a flat list's branches one after another at every word,
    which for the knowledge's ~900 synonym phrases made folding the dearest step of
    normalising a long post; a trie follows one branch per character. It matches the same
    text: the phrases that fit at a position are prefixes of one another, greedy optional
    groups try the longer continuation first and back off to shorter ones, so the longest
    phrase that ends at a word boundary wins, as it did with the longest-first list.
    """
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    if not trie:
        return None

    def body(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + body(child) for char, child in node.items() if char]
        if not branches:
            return ""
        joined = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{joined})?" if "" in node else joined

    return re.compile(rf"(?<![^\s])(?:{body(trie)})(?![^\s])")


class Normaliser:
    """Cleans, removes filler, folds synonyms and stems, with everything compiled once."""

    def __init__(self, synonyms: Iterable[SynonymGroup] = (),
                 fillers: Iterable[str] = DEFAULT_FILLERS) -> None:
        self._fold_to: dict[str, str] = {}
        for group in synonyms:
            canonical = " ".join(tokenize(clean(group.canonical)))
            for phrase in (*group.phrases, group.canonical):
                key = " ".join(tokenize(clean(phrase)))
                if key and key != canonical:
                    self._fold_to[key] = canonical
        self._fold_re = self._alternation(self._fold_to)
        self._filler_re = self._alternation({" ".join(tokenize(clean(f))): "" for f in fillers})
        self._known: frozenset[str] = frozenset()
        self._kept_stems: frozenset[str] = frozenset()
        self._known_list: list[str] = []
        self._known_alpha: frozenset[str] = frozenset()
        self._known_lengths: list[int] = []
        self._typo_cutoff = 100.0
        self._closest = lru_cache(maxsize=4096)(self._closest_known)
        self._lengths = lru_cache(maxsize=256)(self._known_of_length)

    def learn_vocabulary(self, words: Iterable[str], typo_cutoff: float = 84.0,
                         everyday: Iterable[str] = ()) -> None:
        """Words the knowledge uses; an unknown question word close to one is read as it.

        `everyday` (stems) are real words of the language, never read as a typo of another
        one: "interactions" is not a misspelt "integrations".
        """
        known = {w for w in words if w}
        for phrase in self._fold_to:
            known.update(phrase.split())
        self._known = frozenset(known)
        # An inflection of a known word is that word, not a typo of another one: "policies"
        # (unknown) stems to the known "policy", where the typo scan made it "police".
        # Nor is an everyday word of the language (`everyday`).
        self._kept_stems = frozenset(map(stem, known)).union(everyday)
        self._known_list = sorted(w for w in known if len(w) >= 4 and w.isalpha())
        self._known_alpha = frozenset(self._known_list)
        self._known_lengths = [len(w) for w in self._known_list]
        self._typo_cutoff = typo_cutoff
        # A new vocabulary invalidates every cached correction.
        self._closest = lru_cache(maxsize=4096)(self._closest_known)
        self._lengths = lru_cache(maxsize=256)(self._known_of_length)

    def _known_of_length(self, length: int) -> list[str]:
        """The known words a word of this length could be a typo of, in vocabulary order.

        fuzz.ratio is at most 200·min(a, b) / (a + b) for lengths a and b (the edit distance
        is at least the length difference), so words too much shorter or longer can never
        reach the cut-off; leaving them out (order kept, so ties resolve as before) makes
        the fuzzy scan a third as long.

        The bound depends on a word's length only, so it is tested once per distinct length
        and the list is filtered in C: filtering ~1,600 words in Python cost ~1 ms, paid by
        the first question holding an unknown word of each length (a p99 tail of its own).
        """
        cutoff = self._typo_cutoff - 1e-6  # never drop a word over float rounding
        reachable = {n for n in set(self._known_lengths)
                     if 200 * min(length, n) / (length + n) >= cutoff}
        return list(compress(self._known_list, map(reachable.__contains__, self._known_lengths)))

    def _closest_known(self, word: str) -> str | None:
        """The known word an unknown one is a typo of, or None.

        A fuzzy scan of the whole vocabulary is the dearest step of normalising, so
        `_closest` caches it per word (per vocabulary): the sentences of a long post repeat
        its words, and so do the questions people ask.

        Only a word sharing the first letter can be the answer (below), and the vocabulary
        is sorted, so those words are one slice of it. When none of them reaches the
        cut-off, no top five of the whole scan holds one and the answer is None: most
        unknown words ("internship") are settled on that slice, ~5% of the scan, and only
        a word with a candidate pays for the whole scan, which keeps the top-five rule.
        """
        choices = self._lengths(len(word))
        first = word[0]
        start = bisect_left(choices, first)
        end = (bisect_left(choices, chr(ord(first) + 1), start)
               if ord(first) < sys.maxunicode else len(choices))
        if process.extractOne(word, choices[start:end], scorer=fuzz.ratio, processor=None,
                              score_cutoff=self._typo_cutoff) is None:
            return self._transposed(word)
        hits = process.extract(word, choices, scorer=fuzz.ratio,
                               processor=None, score_cutoff=self._typo_cutoff, limit=5)
        # People rarely mistype a word's first letter, while a different word that merely
        # rhymes ("certifications" / "verification") would smuggle in a wrong topic.
        hits = [hit for hit in hits if hit[0][0] == word[0]]
        if not hits:
            return self._transposed(word)
        # Ties in edit similarity go to the word sharing the longer prefix
        # ("retension" is "retention", not "extension").
        return max(hits, key=lambda hit: (hit[1], JaroWinkler.normalized_similarity(
            word, hit[0])))[0]

    def _transposed(self, word: str) -> str | None:
        """The one known word this is with two neighbouring letters swapped, if any.

        Swapped letters are the commonest typo ("retian", "exprot", "trian"), yet an edit
        ratio counts a swap as two edits, which short words cannot afford under the
        cut-off. Two known words within one swap are ambiguous, and then neither is taken.
        """
        found = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
        found &= self._known_alpha
        return found.pop() if len(found) == 1 else None

    def _correct(self, words: list[str], notes: list[str]) -> list[str]:
        fixed = []
        # A hyphenated compound the knowledge never uses is read as its parts
        # ("auto-deletion" is "auto deletion"); known ones ("opt-out", "5-year") stay whole.
        if any("-" in word for word in words):
            words = [part for word in words
                     for part in (word.split("-") if "-" in word and word not in self._known
                                  else (word,)) if part]
        for word in words:
            if word in self._known or len(word) < 5 or not word.isalpha() \
                    or stem(word) in self._kept_stems:
                fixed.append(word)
                continue
            best = self._closest(word)
            if best is None:
                fixed.append(word)
                continue
            fixed.append(best)
            notes.append(f"{word} ~> {best}")
        return fixed

    @staticmethod
    def _alternation(phrases: dict[str, str]) -> re.Pattern[str] | None:
        return phrase_alternation(phrases)

    def words(self, text: str) -> str:
        """Cleaned words joined by single spaces, before fillers and folds."""
        return " ".join(tokenize(clean(text)))

    def __call__(self, text: str, *, drop_fillers: bool = True) -> Normalised:
        plain = self.words(text)
        working = plain
        if drop_fillers and self._filler_re is not None:
            working = self._filler_re.sub(" ", working)
        if drop_fillers:
            working = _YEAR.sub(" ", working)
        folds: list[str] = []
        if self._known_list:
            working = " ".join(self._correct(working.split(), folds))
        if self._fold_re is not None:
            def replace(match: re.Match[str]) -> str:
                target = self._fold_to[match.group()]
                folds.append(f"{match.group()} -> {target}")
                return target

            working = self._fold_re.sub(replace, working)
        tokens = tuple(map(stem, working.split()))
        return Normalised(" ".join(tokens), tokens, tuple(folds), plain)
