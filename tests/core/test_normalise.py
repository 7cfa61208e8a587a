"""Normalisation: Discord noise out, synonyms folded, same result for knowledge and questions."""

from __future__ import annotations

from bot.core.normalise import MAX_TOKENS, Normaliser, clean, stem, tokenize
from bot.core.topicality import everyday_stems
from bot.knowledge.model import SynonymGroup

GROUPS = (SynonymGroup("train", ("training", "learn from", "use for training")),
          SynonymGroup("chat", ("conversations", "convos")))


def test_discord_syntax_markdown_and_links_removed() -> None:
    text = ("<@123456789012345678> hey **quick question**: does it `learn from` my "
            "convos?? https://example.com/x <:blob:1234> @everyone ||spoiler|| ```py\nx=1\n```")
    norm = Normaliser(GROUPS)(text)
    assert norm.tokens == ("doe", "it", "train", "my", "chat", "spoiler")
    assert "learn from -> train" in norm.folds


def test_zero_width_bidi_and_emoji_removed() -> None:
    assert tokenize(clean("tr\u200bain\u202e 🤖 o\u0301n data")) == ["train", "on", "data"]


def test_nfkc_and_casefold() -> None:
    assert Normaliser()("ＣＬＩ Straße").tokens == ("cli", "strasse")


def test_dotted_and_slashed_names_kept_whole() -> None:
    assert tokenize(clean("is claude.ai in ~/.claude/projects/ with inference_geo")) == [
        "is", "claude.ai", "in", "claude/projects", "with", "inference_geo"]


def test_masked_link_keeps_its_label() -> None:
    assert "privacy" in Normaliser()("see [privacy page](https://x.example/p)").tokens


def test_filler_only_is_empty() -> None:
    assert Normaliser()("hey, quick question... thanks!").tokens == ()


def test_hearsay_is_padding_not_the_question() -> None:
    # A wrong premise passed on ("i heard ...", "... apparently") asks about the claim itself.
    assert Normaliser()("i heard that they keep chats forever, apparently").tokens == \
        Normaliser()("they keep chats forever").tokens


def test_stemming_is_light() -> None:
    assert [stem(w) for w in ("chats", "trained", "policies", "access", "us", "keeping")] == [
        "chat", "train", "policy", "access", "us", "keep"]


def test_long_input_is_bounded() -> None:
    norm = Normaliser(GROUPS)("data " * 100_000)
    assert len(norm.tokens) <= MAX_TOKENS


def test_an_inflection_of_a_known_word_is_not_read_as_a_typo() -> None:
    normaliser = Normaliser()
    normaliser.learn_vocabulary(["policy", "police", "retention"])
    norm = normaliser("data retention policies")
    assert norm.tokens == ("data", "retention", "policy")  # was "police" (a typo guess)
    assert norm.folds == ()
    assert normaliser("retension").tokens == ("retention",)  # real typos still corrected


def test_two_swapped_letters_are_read_as_the_known_word() -> None:
    # An edit ratio counts a swap as two edits: "retian" (83 against "retain") fell under
    # the cut-off and stayed an unknown word.
    normaliser = Normaliser()
    normaliser.learn_vocabulary(["retain", "export", "train", "chats", "forms", "from"])
    assert normaliser("does the api retian data").tokens[-2:] == ("retain", "data")
    assert normaliser("exprot my chats").tokens == ("export", "my", "chat")
    assert normaliser("trian").tokens == ("train",)
    normaliser.learn_vocabulary(["train", "trina"])
    assert normaliser("trian").tokens == ("trian",)  # one swap from two words: ambiguous


def test_an_everyday_word_is_not_read_as_a_typo() -> None:
    normaliser = Normaliser()
    normaliser.learn_vocabulary(["integrations", "retention"])
    assert normaliser("user interactions").tokens == ("user", "integration")  # the old guess
    normaliser.learn_vocabulary(["integrations", "retention"], everyday=["interaction"])
    norm = normaliser("user interactions")
    assert norm.tokens == ("user", "interaction")
    assert norm.folds == ()
    assert normaliser("retension").tokens == ("retention",)


def test_the_shipped_everyday_list_holds_common_words_not_typos() -> None:
    everyday = everyday_stems()
    assert {"interaction", "account", "setting"} <= everyday
    assert not {"retension", "incognto", "trainning"} & everyday


def test_a_year_is_dropped_like_filler() -> None:
    # Titles carry years ("Does Claude Store Data? [2024]"); one rare number outweighed the
    # rest of the question. Other numbers ("30 days", "5 years") stay.
    assert Normaliser()("Does it store data? [2024] after 30 days").tokens == (
        "doe", "it", "store", "data", "after", "30", "day")


def test_possessives_name_the_thing_itself() -> None:
    assert tokenize(clean("Claude Code’s telemetry and Anthropic's policy")) == [
        "claude", "code", "telemetry", "and", "anthropic", "policy"]


def test_a_curly_possessive_alone_is_stripped_too() -> None:
    # With no straight apostrophe anywhere in the text, "Claude’s" used to stay whole.
    assert tokenize(clean("Turn Claude’s Location Metadata on")) == [
        "turn", "claude", "location", "metadata", "on"]


def test_an_unknown_hyphenated_compound_is_read_as_its_parts() -> None:
    normaliser = Normaliser((SynonymGroup("delete", ("deletion",)),))
    normaliser.learn_vocabulary(["opt-out", "auto", "delete"])
    assert normaliser("disable auto-deletion").tokens == ("disable", "auto", "delete")
    assert normaliser("the opt-out toggle").tokens == ("the", "opt-out", "toggle")
