"""Matcher decisions on a small fictional knowledge base and on the shipped one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.knowledge import bundled_knowledge_dir, load_knowledge

MIN = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge_min"


@pytest.fixture(scope="module")
def mini() -> AnswerService:
    return AnswerService(load_knowledge(MIN))


@pytest.fixture(scope="module")
def shipped() -> AnswerService:
    return AnswerService(load_knowledge(bundled_knowledge_dir()))


def test_general_question_carries_the_per_surface_variants(mini: AnswerService) -> None:
    result = mini.ask("is training on by default?")
    assert result.outcome is Outcome.ANSWER and result.entry.id == "training-default"
    assert [v.id for v in result.variants] == ["app-training", "api-training"]


def test_named_surface_picks_its_variant(mini: AnswerService) -> None:
    result = mini.ask("is training on by default in the phone app?")
    assert result.entry.id == "app-training" and result.surface == "acme-app"
    assert result.explanation.surface_source == "text"


def test_explicit_surface_restricts_candidates(mini: AnswerService) -> None:
    result = mini.ask("how long do you keep my messages", "acme-api")
    assert result.entry is None or "acme-api" in result.entry.surfaces


def test_off_topic_abstains(mini: AnswerService) -> None:
    for question in ("what does acme cost per month", "tell me a joke", "", "🤖🤖🤖"):
        assert mini.ask(question).outcome is not Outcome.ANSWER, question


def test_typos_are_read_as_known_words(mini: AnswerService) -> None:
    result = mini.ask("how long does the app keep my mesages")
    assert result.entry is not None and result.entry.id == "app-retention"
    assert any("~>" in fold for fold in result.explanation.folds)


def test_curator_alias_takes_effect_at_once(mini: AnswerService) -> None:
    service = AnswerService(mini.knowledge)
    question = "zorblax quantum flux"
    assert service.ask(question).outcome is Outcome.NONE
    service.add_alias("app-retention", question)
    result = service.ask(question)
    assert result.outcome is Outcome.ANSWER and result.entry.id == "app-retention"
    with pytest.raises(KeyError):
        service.add_alias("no-such-entry", question)


def test_a_question_repeating_a_phrasing_is_answered_with_its_entry(
        shipped: AnswerService) -> None:
    # Made of words many entries use, this phrasing of compare-control was not even
    # shortlisted, so its own entry only suggested others.
    result = shipped.ask("what can i turn off to protect my privacy")
    assert result.outcome is Outcome.ANSWER and result.entry.id == "compare-control"
    assert "word for word" in result.explanation.reason
    # One word more and it is an ordinary question again, decided by scores and margin.
    assert "word for word" not in shipped.ask(
        "what can i turn off to protect my privacy online").explanation.reason


def test_a_surface_command_offers_its_own_entries_when_others_fit_the_words_better(
        shipped: AnswerService) -> None:
    # The twelve entries the words shortlist are all consumer ones; the API command used to
    # drop them all and say no entry shares a word with the question.
    result = shipped.ask("how long do they keep incognito conversations", "claude-api")
    assert result.outcome is Outcome.SUGGEST, result.explanation.reason
    assert "other surfaces" in result.explanation.reason
    # Each is offered in the surface's own version (a button shows the entry it names).
    for candidate in result.suggestions:
        assert "claude-api" in candidate.entry.surfaces and not candidate.entry.variants
    # Offered, never decided: the same question in the app's command is answered.
    assert shipped.ask("how long do they keep incognito conversations",
                       "claude-ai").outcome is Outcome.ANSWER


def test_a_curators_alias_of_common_words_takes_effect(shipped: AnswerService) -> None:
    service = AnswerService(shipped.knowledge)
    question = "what does claude do with my chats"
    assert service.ask(question).outcome is not Outcome.ANSWER
    service.add_alias("compare-collected", question)
    result = service.ask(question)
    assert result.outcome is Outcome.ANSWER and result.entry.id == "compare-collected"
    # A surface command still resolves the general entry to that surface's version...
    in_code = service.ask(question, "claude-code")
    assert in_code.outcome is Outcome.ANSWER and in_code.entry.id == "code-what-is-sent"
    # ...and an entry the surface does not serve is not answered from another surface's
    # command even when the question repeats its phrasing.
    service.add_alias("api-training-default", "zorblax api stuff")
    assert service.ask("zorblax api stuff").entry.id == "api-training-default"
    elsewhere = service.ask("zorblax api stuff", "claude-ai")
    assert elsewhere.entry is None or elsewhere.entry.id != "api-training-default"


def test_reload_swaps_whole_snapshots_and_keeps_aliases(mini: AnswerService) -> None:
    service = AnswerService(mini.knowledge, aliases=[("app-retention", "zorblax")])
    before = service.snapshot
    service.reload(load_knowledge(MIN))
    assert service.snapshot is not before
    assert service.ask("zorblax").entry.id == "app-retention"


def test_explanation_names_scores_and_margin(mini: AnswerService) -> None:
    ex = mini.ask("does the acme api learn from my calls").explanation
    assert ex.top and ex.top[0].score >= ex.top[-1].score
    assert "margin" in ex.reason and ex.margin > 0


@pytest.mark.parametrize(("question", "surface", "entry", "named"), [
    ("does cc send my code to anthropic??", None, "code-what-is-sent", "claude-code"),
    ("using claude code with an api key, is my code trained on", None,
     "code-training-commercial", "claude-code"),
    ("on my max plan, does claude code train on my repo", None, "code-training-consumer",
     "claude-code"),
    ("how long do they keep incognito chats", None, "ai-incognito-retention", None),
    ("is training on by default", "claude-api", "api-training-default", "claude-api"),
    ("does the developer platform train on my data", None, "api-training-default",
     "claude-api"),
])
def test_shipped_knowledge_surface_rules(shipped: AnswerService, question: str,
                                         surface: str | None, entry: str,
                                         named: str | None) -> None:
    result = shipped.ask(question, surface)
    assert result.outcome is Outcome.ANSWER and result.entry.id == entry
    if named:
        assert result.surface == named


def test_the_claude_platform_names_no_surface(shipped: AnswerService) -> None:
    """People call the chat app "the Claude platform" as often as the API."""
    result = shipped.ask("Does the Claude platform train on my data?")
    assert result.surface is None
    assert result.outcome is Outcome.ANSWER and result.entry.id == "compare-training-default"


def test_two_products_named_is_a_comparison(shipped: AnswerService) -> None:
    result = shipped.ask("api vs claude.ai privacy")
    assert result.surface is None


def test_claude_code_without_account_shows_both_account_versions(shipped: AnswerService) -> None:
    result = shipped.ask("does claude code train on my code")
    ids = {v.id for v in result.variants}
    assert {"code-training-consumer", "code-training-commercial"} <= ids


def test_product_named_as_the_account_yields_to_the_other_product(shipped: AnswerService) -> None:
    result = shipped.ask("company pays for api, we run claude code on a console key, any training?")
    assert result.surface == "claude-code" and result.entry.id == "code-training-commercial"


def test_product_beside_an_account_under_other_terms_is_a_comparison(
        shipped: AnswerService) -> None:
    result = shipped.ask("should i just use the api instead of a pro plan for privacy")
    assert result.surface is None


def test_autocomplete_offers_the_entries_a_half_typed_question_heads_for(
        shipped: AnswerService) -> None:
    picks = shipped.complete("how long are incognito", 25)
    assert picks and picks[0][1].startswith("ai-incognito")
    assert len({entry_id for _, entry_id in picks}) == len(picks)
    assert len(shipped.complete("", 25)) == 25
    assert shipped.complete("zzzz qqqq", 25) == []


def test_a_feature_only_one_surface_has_names_that_surface(mini: AnswerService) -> None:
    general = mini.ask("is training on by default")
    assert general.surface is None and general.entry.id == "training-default"
    hinted = mini.ask("is the learn toggle on by default")
    assert hinted.outcome is Outcome.ANSWER and hinted.entry.id == "app-training"
    assert hinted.surface == "acme-app" and hinted.explanation.surface_source == "feature"


LONG_CONTEXT = ("I've been using Claude for about a year, mostly for work emails and drafting "
                "documents for clients. My manager asked me to find out what happens to all of "
                "it, because our company has a strict policy about third-party tools. ")


def test_a_long_post_is_answered_by_its_question_sentence(shipped: AnswerService) -> None:
    result = shipped.ask(LONG_CONTEXT + "Are incognito chats deleted right away or kept a while?")
    assert result.outcome is Outcome.ANSWER and result.entry.id == "ai-incognito-retention"


def test_a_long_off_topic_post_is_not_answered(shipped: AnswerService) -> None:
    result = shipped.ask(LONG_CONTEXT + "Anyway, any good pizza places that deliver late at night?")
    assert result.outcome is Outcome.NONE


def test_a_question_naming_an_out_of_scope_topic_needs_a_near_exact_match(
        shipped: AnswerService) -> None:
    vendor = shipped.ask("chatgpt temporary chat how long kept")
    assert vendor.outcome is not Outcome.ANSWER
    assert "other AI vendors" in vendor.explanation.reason
    assert shipped.ask("how do i cancel my subscription").outcome is not Outcome.ANSWER
    plain = shipped.ask("how long does anthropic keep incognito chats")
    assert plain.outcome is Outcome.ANSWER and plain.entry.id == "ai-incognito-retention"
    # What a workspace's admins can see is Team/Enterprise administration, which the policy
    # set does not cover (it was answered with the human-review comparison).
    boss = shipped.ask("can my employer see my Claude chats?")
    assert boss.outcome is not Outcome.ANSWER
    assert "workspace administration" in boss.explanation.reason
    # Importing a memory from elsewhere is a feature how-to; the memory entries answer
    # what memory keeps, not how to bring one in.
    moved = shipped.ask("Import and export your memory from Claude")
    assert moved.outcome is not Outcome.ANSWER
    assert "how to use features" in moved.explanation.reason
    # How to upload a file or start an incognito chat: the files and incognito entries say
    # what is kept, not how the feature is used.
    for how_to in ("How can I upload a docx file?", "How to start an incognito chat"):
        result = shipped.ask(how_to)
        assert result.outcome is not Outcome.ANSWER, how_to
        assert "how to use features" in result.explanation.reason, how_to
    # Who owns what you upload is outside the policy set; "upload" alone led to the Files
    # API retention entry.
    owned = shipped.ask("Do I retain ownership of my data I upload to the Claude platform?")
    assert owned.outcome is not Outcome.ANSWER
    assert "ownership and copyright" in owned.explanation.reason
    kept = shipped.ask("are incognito chats used for training")
    assert kept.outcome is Outcome.ANSWER and kept.entry.id == "ai-incognito-training"


def test_out_of_scope_words_in_a_long_posts_context_do_not_block_it(
        shipped: AnswerService) -> None:
    result = shipped.ask(
        "I use the Claude browser extension in Chrome a lot, mostly for comparing prices "
        "between shops and filling in forms. My wife asked me whether all of this is saved "
        "forever and I could not answer her. How long does Anthropic keep the data from "
        "Claude in Chrome sessions?")
    assert result.outcome is Outcome.ANSWER and result.entry.id == "chrome-retention"


def test_a_long_post_is_about_the_surface_its_poster_names_first(
        shipped: AnswerService) -> None:
    post = ("I built a small journaling app on top of the Claude API for a few paying users. "
            "My cofounder says we are under the same rules as someone chatting on the website, "
            "because we are tiny. I can't find where this is spelled out anywhere. "
            "Which set of terms covers what our users type?")
    assert shipped.ask(post).surface == "claude-api"
    comparing = ("I use the Claude API at work and the website at home, for different "
                 "projects and different people, and I keep mixing up the settings. "
                 "Is training on by default for the API or for the website?")
    assert shipped.ask(comparing).surface is None
    account_first = ("I pay for Claude Max out of my own pocket, more than some small "
                     "businesses spend on software. I assumed that puts me on the same "
                     "business terms as API customers. A friend says no. What terms am I "
                     "actually under?")
    assert shipped.ask(account_first).surface == "claude-ai"


def test_curator_vocabulary_fixes_hold(shipped: AnswerService) -> None:
    # "mcp server" (singular) once sat in scope.yaml's how-to topic and hid ai-connectors.
    assert shipped.ask("is data from an mcp server used to train claude").entry.id == \
        "ai-connectors"
    assert shipped.ask("claude free, are my chats used for training").surface == "claude-ai"
    assert shipped.ask("does claude keep memories of my chats").surface == "claude-ai"
    # The generic "what happens to my data" family once found no entry at all; it is the
    # collection overview (compare-collected), which lists what each surface sends.
    for question in ("what does anthropic do with my data",
                     "Where does my data go when I use Claude?"):
        result = shipped.ask(question)
        assert result.outcome is Outcome.ANSWER and result.entry.id == "compare-collected"
    # Asking what deleting the account does once got the single-chat deletion entry ("what
    # happens when i delete a conversation" shares more weighty words than "account").
    for question in ("what happens when i delete my account",
                     "what happens to my data when i delete my account"):
        result = shipped.ask(question)
        assert result.outcome is Outcome.ANSWER and result.entry.id == "rights-delete-account"
    # Once the enterprise routing entry, the privacy policy's training clause, no answer (the
    # next two) and, for the last five, confident answers about data retention, memory
    # encryption, staff review (twice) and the training default.
    assert shipped.ask("what does anthropic do if police ask for my data").entry.id == \
        "rights-legal-process"
    assert shipped.ask("what's anthropic's privacy policy").entry.id == "compare-which-terms"
    assert shipped.ask("does claude train on images i upload").entry.id == "ai-training-scope"
    assert shipped.ask("does turning on training apply to old chats").entry.id == \
        "ai-retention-new-chats"
    for uncovered in ("does claude code store my api key", "is my data encrypted in transit",
                      "can other users see my chats", "what data was claude trained on",
                      "can my employer read my claude chats"):
        assert shipped.ask(uncovered).outcome is not Outcome.ANSWER


@pytest.mark.parametrize(("question", "general"), [
    ("training?", "compare-training-default"), ("retention", "compare-retention"),
    ("privacy", "compare-which-terms"), ("terms", "compare-which-terms"),
    ("opt in", "compare-opt-in"), ("my data", "compare-collected")])
def test_a_one_word_topic_gets_the_general_entry_with_its_versions(
        shipped: AnswerService, question: str, general: str) -> None:
    # Short per-surface phrasings ("api log retention", "claude code privacy") used to win a
    # bare topic word: "privacy" was answered with Claude Code's governing terms.
    result = shipped.ask(question)
    assert result.outcome is Outcome.ANSWER and result.entry.id == general
    assert len(result.variants) > 1


def test_a_near_tie_between_two_strong_entries_is_offered_not_decided(
        shipped: AnswerService) -> None:
    result = shipped.ask("incognito", "claude-ai")  # kept how long? used for training?
    assert result.outcome is Outcome.SUGGEST
    assert {c.entry.id for c in result.suggestions[:2]} == {"ai-incognito-retention",
                                                            "ai-incognito-training"}


def test_an_account_fork_with_no_account_named_is_answered_with_both_versions(
        shipped: AnswerService) -> None:
    # Claude Code runs on a personal plan or an API key; its two retention entries tied, each
    # the other's runner-up, so "claude code retention" only got suggestions.
    result = shipped.ask("claude code retention")
    assert result.outcome is Outcome.ANSWER
    assert {v.id for v in result.variants} == {"code-server-retention-consumer",
                                               "code-server-retention-commercial"}
    # Naming the account still decides between them.
    assert shipped.ask("claude code retention on my api key").entry.id == \
        "code-server-retention-commercial"


def test_siblings_resolving_to_one_version_are_suggested_once(shipped: AnswerService) -> None:
    # Claude Code's consumer and commercial training entries nearly tie; the Pro account
    # resolves both to the consumer one, which was then offered twice.
    result = shipped.ask("Question: Is my code used for training when using Claude Code with Pro?")
    ids = [c.entry.id for c in result.suggestions]
    assert ids and ids[0] == "code-training-consumer" and len(ids) == len(set(ids))


def test_the_explanation_shows_what_the_word_model_took_off(shipped: AnswerService) -> None:
    top = shipped.ask("does deleting a chat remove it from the backend immediately").explanation.top
    assert len(top) >= 2
    assert all(c.word_model <= 0 for c in top)
    assert any(c.word_model < 0 for c in top)  # someone trails the best-fitting entry
    assert max(c.word_model for c in top) == 0.0  # ...and one of them is that entry


def test_words_many_entries_share_still_bring_their_entries_to_the_scoring(
        shipped: AnswerService) -> None:
    # "retention" is in over a quarter of the entries, so it did not seed the shortlist:
    # "policy" alone chose it and no retention entry was even scored.
    top = shipped.ask("data retention policy for claude.ai").explanation.top
    assert top[0].entry.topic == "retention"


def test_a_general_entry_agreeing_with_its_per_surface_version_supports_it(
        shipped: AnswerService) -> None:
    # The Claude.ai entry and the general one both fit; neither alone clears the bar.
    question = "max plan, am i opted in to training automatically"
    result = shipped.ask(question)
    assert result.outcome is Outcome.ANSWER and result.entry.id == "ai-training-default"
    assert "related general or per-surface entry" in result.explanation.reason
    alone = AnswerService(shipped.knowledge, replace(shipped.settings, family_support=0.0))
    assert alone.ask(question).outcome is Outcome.SUGGEST  # neither score was enough alone


def test_large_knowledge_shortlists_common_word_questions_from_top_postings(
        shipped: AnswerService, monkeypatch: pytest.MonkeyPatch) -> None:
    # Beyond FULL_COVER_ENTRIES, a question of common words only walks each word's most
    # central entries instead of adding a float per entry per word (35 ms at 10,000).
    import bot.core.matcher as matcher

    monkeypatch.setattr(matcher, "FULL_COVER_ENTRIES", 50)
    monkeypatch.setattr(matcher, "COMMON_TOP", 20)
    large = AnswerService(shipped.knowledge)
    index = large.snapshot.index
    assert index.common_columns == {} and index.common_top
    assert all(len(top) <= 20 for top in index.common_top.values())
    question = "do they keep my chats"
    assert all(t in index.common for t in index.normaliser(question).tokens
               if t in index.entry_postings)
    assert large.ask(question).entry.topic == shipped.ask(question).entry.topic == "retention"


@pytest.mark.parametrize("chatter", ["yes", "what", "a", "how?", "what about you", "is it on"])
def test_words_that_name_no_topic_are_not_a_question(shipped: AnswerService,
                                                     chatter: str) -> None:
    # "yes" scored 65 against an entry and was answered; "what" drew three suggestions.
    result = shipped.ask(chatter)
    assert result.outcome is Outcome.NONE and result.suggestions == ()
    assert result.explanation.reason == "only words that name no topic"
    assert shipped.ask("how long").outcome is Outcome.ANSWER  # short, but it names a topic


@pytest.mark.parametrize("ask", ["help", "help?", "@bot help me", "what can you do",
                                 "how does this work", "commands", "link?"])
def test_asking_how_to_use_the_bot_is_not_a_policy_question(shipped: AnswerService,
                                                            ask: str) -> None:
    # A bare "help" shares a word with the "Help improve Claude" setting and was answered
    # with the opt-in comparison; Discord now shows what the bot is for instead.
    result = shipped.ask(ask)
    assert result.outcome is Outcome.NONE and result.unasked and result.suggestions == ()
    assert shipped.ask("help improve claude").outcome is Outcome.ANSWER  # the setting's name


def test_a_hyphenated_surface_name_names_the_surface_and_reads_as_its_words(
        shipped: AnswerService) -> None:
    # "claude-code" is a surface word (and the command name) but no phrasing's word: kept
    # whole, it weighed as an unknown word against every entry.
    tokens = shipped.snapshot.index.normaliser("telemetry when using claude-code").tokens
    assert tokens[-2:] == ("claude", "code")
    assert shipped.ask("what telemetry does claude-code send").surface == "claude-code"


def test_a_title_is_read_by_its_clauses_too(shipped: AnswerService) -> None:
    # The ask is one clause; the other pads it. Read whole, the padding sinks the score.
    title = "Claude Desktop conversation export — where the files go and what they contain"
    result = shipped.ask(title)
    assert result.outcome is Outcome.ANSWER and result.entry.id == "desktop-export"
    assert result.explanation.normalised == "claude desktop chat export"  # the clause read
    whole = AnswerService(shipped.knowledge, replace(shipped.settings, headline_weight=0.0))
    assert whole.ask(title).outcome is Outcome.SUGGEST


def test_headline_parts_split_only_at_clause_breaks() -> None:
    from bot.core.matcher import _headline_parts

    assert _headline_parts("Opt out: how to stop it - a guide") == [
        "Opt out", "how to stop it", "a guide"]
    assert _headline_parts("Is it kept? For how long") == ["Is it kept", "For how long"]
    # A hyphenated word, a trailing question mark and a time are not clause breaks.
    assert _headline_parts("does claude-code keep logs?") == []
    assert _headline_parts("is the opt-out retroactive") == []


def test_per_token_caches_give_the_same_answers_and_stay_bounded() -> None:
    # The matcher keeps each known word's weight and damped column once worked out; a
    # second asking must score exactly as the first, and words the knowledge lacks must
    # not pile up in the cache however many strangers type.
    service = AnswerService(load_knowledge(bundled_knowledge_dir()))
    question = "how long does anthropic keep my data if i delete a chat, is it used for training"
    first = service.ask(question)
    second = service.ask(question)
    assert (first.outcome, first.score, [c.score for c in first.explanation.top]) == \
        (second.outcome, second.score, [c.score for c in second.explanation.top])
    index = service.snapshot.index
    (cached,) = index.token_weights.values()
    assert cached and set(cached) <= set(index.idf)
    assert index.damped_columns
    for n in range(200):
        service.ask(f"zqx{n}word blorp{n} how long is data kept")
    (cached,) = index.token_weights.values()
    assert set(cached) <= set(index.idf)


def test_surface_names_resolve_only_when_they_mean_one_surface(mini: AnswerService) -> None:
    assert mini.resolve_surface("acme-app") == "acme-app"
    assert mini.resolve_surface("Acme_App") == "acme-app"
    assert mini.resolve_surface("phone app") == "acme-app"
    assert mini.resolve_surface("Acme API") == "acme-api"
    assert mini.resolve_surface("learn toggle") == "acme-app"  # a feature only it has
    # Several names of one surface, as a caller may copy them from a list of surfaces.
    assert mini.resolve_surface("Acme API / the API") == "acme-api"
    assert mini.resolve_surface("acme app|phone app") == "acme-app"
    for name in ("acme", "nowhere", "", "  ", None, 7, ["acme-app"],
                 "acme app / acme api", "acme api, nowhere", " / "):
        assert mini.resolve_surface(name) is None, name
