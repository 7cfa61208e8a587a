"""The word model separates sibling entries that share most of their words."""

from __future__ import annotations

from bot.core.word_model import WordModel, features

# Two siblings about deleting: both say "delete" and "chat" in nearly every phrasing; only
# one of them is about the backend / servers.
PHRASINGS = [
    (0, ("delete", "chat", "gone")),
    (0, ("delete", "chat", "remove", "history")),
    (0, ("how", "delete", "chat")),
    (1, ("delete", "chat", "backend")),
    (1, ("delete", "chat", "server", "backend")),
    (1, ("deleted", "chat", "still", "on", "server")),
    (2, ("export", "my", "data")),
]


def test_features_are_tokens_and_ordered_pairs() -> None:
    found = features(("not", "used", "not"))
    assert found["not"] == 2 and found["used"] == 1
    assert found[("not", "used")] == 1 and found[("used", "not")] == 1
    assert ("used", "used") not in found


def test_a_word_one_sibling_uses_often_tips_the_balance() -> None:
    model = WordModel.build(PHRASINGS, entries=3)
    fits = model.fit(("does", "delete", "chat", "wipe", "it", "from", "the", "backend"),
                     [0, 1, 2])
    assert fits[1] > fits[0] > fits[2]
    fits = model.fit(("delete", "chat", "history"), [0, 1])
    assert fits[0] > fits[1]


def test_only_the_entries_asked_for_are_fitted_and_unknown_words_change_nothing() -> None:
    model = WordModel.build(PHRASINGS, entries=3)
    assert set(model.fit(("export", "data"), [2, 0])) == {0, 2}
    plain = model.fit(("export", "data"), [0, 2])
    noisy = model.fit(("export", "data", "zzqx"), [0, 2])
    assert plain == noisy  # a word no phrasing uses is not a feature at all


def test_an_entry_without_phrasings_fits_worst_instead_of_failing() -> None:
    model = WordModel.build(PHRASINGS, entries=4)  # entry 3 has keywords only
    fits = model.fit(("delete", "chat"), [0, 1, 3])
    assert fits[3] < min(fits[0], fits[1])

