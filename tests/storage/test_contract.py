"""The storage contract: one suite, run against every backend (memory and SQLite today).

A backend is correct when it passes this file unchanged; the differential test at the end
also checks that both backends produce identical groups for the same random history.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import StorageUnavailable
from bot.storage import (
    MAX_QUESTION_CHARS,
    Alias,
    FeedbackReason,
    FeedbackTally,
    GapEvent,
    GapNotFound,
    GapNotOpen,
    GapOutcome,
    GapStatus,
    GuildConfig,
    QuestionCount,
    ScoredCandidate,
    Storage,
    Vote,
    purge_expired,
)
from tests.storage.conftest import BACKENDS, T0, make_storage


def gap(
    question: str,
    user: str = "user-a",
    *,
    at: datetime = T0,
    surface: str | None = None,
    outcome: GapOutcome = GapOutcome.NONE,
    candidates: tuple[ScoredCandidate, ...] = (),
    normalised: str = "",
    reason: str | None = None,
) -> GapEvent:
    return GapEvent(
        question=question,
        user_hash=user,
        outcome=outcome,
        normalised=normalised,
        surface=surface,
        guild_id=111,
        channel_id=222,
        candidates=candidates,
        reason=reason,
        at=at,
    )


# -- lifecycle -------------------------------------------------------------------------
async def test_satisfies_protocol_and_is_healthy(storage: Storage) -> None:
    assert isinstance(storage, Storage)
    assert await storage.healthy() is True


async def test_not_healthy_after_close(storage: Storage) -> None:
    await storage.close()
    assert await storage.healthy() is False
    await storage.open()
    assert await storage.healthy() is True


async def test_heartbeat_round_trips(storage: Storage) -> None:
    assert await storage.last_heartbeat() is None
    await storage.heartbeat(T0)
    await storage.heartbeat(T0 + timedelta(seconds=30))
    assert await storage.last_heartbeat() == T0 + timedelta(seconds=30)


async def test_naive_datetimes_are_refused(storage: Storage) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await storage.record_gap(gap("q", at=datetime(2026, 1, 1)))
    with pytest.raises(ValueError, match="timezone-aware"):
        await storage.purge(datetime(2026, 1, 1))


async def test_other_timezones_are_stored_as_utc(storage: Storage) -> None:
    plus_two = datetime(2026, 3, 1, 14, 0, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    record = await storage.record_gap(gap("what is kept", at=plus_two))
    assert record is not None
    group = await storage.get_gap(record.group_id)
    assert group is not None
    assert group.first_seen == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    assert group.first_seen.utcoffset() == timedelta(0)


# -- gaps and grouping -----------------------------------------------------------------
async def test_similar_questions_from_two_users_form_one_group(storage: Storage) -> None:
    first = await storage.record_gap(gap("does claude train on my chats?", "user-a"))
    second = await storage.record_gap(
        gap("Does Claude train on my chats??", "user-b", at=T0 + timedelta(minutes=5))
    )
    assert first is not None and second is not None
    assert first.new_group is True and first.count == 1
    assert second.group_id == first.group_id
    assert second.new_group is False and second.count == 2
    assert second.event_id != first.event_id

    [group] = await storage.list_gaps()
    assert group.count == 2
    assert group.question == "does claude train on my chats?"
    assert group.first_seen == T0
    assert group.last_seen == T0 + timedelta(minutes=5)
    assert group.status is GapStatus.OPEN
    events = await storage.list_gap_events(group.id)
    assert [e.question for e in events] == [
        "does claude train on my chats?",
        "Does Claude train on my chats??",
    ]


async def test_matcher_normalised_form_drives_grouping(storage: Storage) -> None:
    """Two texts the matcher normalised alike group together even when they look different."""
    a = await storage.record_gap(gap("can u delete my convos", normalised="delete conversation"))
    b = await storage.record_gap(
        gap("How do I erase my conversations?", "user-b", normalised="delete conversation")
    )
    assert a is not None and b is not None
    assert a.group_id == b.group_id
    group = await storage.get_gap(a.group_id)
    assert group is not None and group.normalised == "delete conversation"


async def test_near_duplicates_group_with_fuzzy_matching(storage: Storage) -> None:
    a = await storage.record_gap(gap("is my data shared with advertisers"))
    b = await storage.record_gap(gap("is my data shared with the advertisers", "user-b"))
    assert a is not None and b is not None
    assert a.group_id == b.group_id


async def test_distinct_questions_make_distinct_groups(storage: Storage) -> None:
    questions = [
        "does claude train on my chats?",
        "how long are deleted chats kept?",
        "can my employer read my conversations?",
        "does claude train on my code?",
    ]
    records = [await storage.record_gap(gap(q)) for q in questions]
    assert len({r.group_id for r in records if r is not None}) == len(questions)
    assert await storage.count_gaps() == len(questions)


async def test_same_question_on_different_surfaces_is_separate(storage: Storage) -> None:
    a = await storage.record_gap(gap("how long is data kept", surface="api"))
    b = await storage.record_gap(gap("how long is data kept", surface="claude-code"))
    c = await storage.record_gap(gap("how long is data kept", surface=None))
    d = await storage.record_gap(gap("how long is data kept?", "user-b", surface="api"))
    assert a is not None and b is not None and c is not None and d is not None
    assert len({a.group_id, b.group_id, c.group_id}) == 3
    assert d.group_id == a.group_id


async def test_question_text_is_capped(storage: Storage) -> None:
    long = "why " * 400
    record = await storage.record_gap(gap(long))
    assert record is not None
    group = await storage.get_gap(record.group_id)
    assert group is not None
    assert len(group.question) == MAX_QUESTION_CHARS
    [event] = await storage.list_gap_events(record.group_id)
    assert len(event.question) == MAX_QUESTION_CHARS


async def test_empty_question_or_user_is_refused(storage: Storage) -> None:
    with pytest.raises(ValueError):
        await storage.record_gap(gap("   "))
    with pytest.raises(ValueError):
        await storage.record_gap(gap("a real question", user=""))
    with pytest.raises(ValueError):
        await storage.record_gap(gap("q", outcome="answer"))  # type: ignore[arg-type]


async def test_event_keeps_outcome_candidates_and_reason(storage: Storage) -> None:
    candidates = tuple(ScoredCandidate(f"entry-{i}", float(50 + i)) for i in range(7))
    record = await storage.record_gap(
        gap(
            "is the answer outdated",
            outcome=GapOutcome.FEEDBACK,
            candidates=candidates,
            reason="outdated",
            surface="api",
        )
    )
    assert record is not None
    [event] = await storage.list_gap_events(record.group_id)
    assert event.outcome is GapOutcome.FEEDBACK
    assert event.reason == "outdated"
    assert event.surface == "api"
    assert (event.guild_id, event.channel_id) == (111, 222)
    assert [c.entry_id for c in event.candidates] == [f"entry-{i}" for i in (6, 5, 4, 3, 2)]
    assert event.candidates[0].score == 56.0
    assert event.clicked_entry_id is None
    assert event.at == T0


async def test_group_keeps_its_best_candidate(storage: Storage) -> None:
    a = await storage.record_gap(gap("who sees my data", candidates=(ScoredCandidate("x", 40),)))
    await storage.record_gap(
        gap("who sees my data?", "user-b", candidates=(ScoredCandidate("y", 72.5),))
    )
    await storage.record_gap(
        gap("who sees my data!", "user-c", candidates=(ScoredCandidate("z", 60),))
    )
    assert a is not None
    group = await storage.get_gap(a.group_id)
    assert group is not None
    assert (group.best_entry_id, group.best_score) == ("y", 72.5)


async def test_suggestion_click_is_recorded(storage: Storage) -> None:
    record = await storage.record_gap(
        gap(
            "training on chats",
            outcome=GapOutcome.SUGGEST,
            candidates=(ScoredCandidate("training", 70),),
        )
    )
    assert record is not None
    assert await storage.record_suggestion_click(record.event_id, "training") is True
    assert await storage.record_suggestion_click(99_999, "training") is False
    [event] = await storage.list_gap_events(record.group_id)
    assert event.clicked_entry_id == "training"
    assert (await storage.stats()).suggestion_clicks == 1


async def test_concurrent_records_of_one_question_form_one_group(storage: Storage) -> None:
    records = await asyncio.gather(
        *(storage.record_gap(gap("is my chat private", f"user-{i}")) for i in range(40))
    )
    assert len({r.group_id for r in records if r is not None}) == 1
    [group] = await storage.list_gaps()
    assert group.count == 40
    assert sorted(r.count for r in records if r is not None) == list(range(1, 41))


async def test_hostile_text_round_trips_verbatim(storage: Storage) -> None:
    nasty = "'); DROP TABLE gap_groups; -- @everyone <@123> \u202e\u200b =1+1 \x00 é"
    record = await storage.record_gap(gap(nasty))
    assert record is not None
    group = await storage.get_gap(record.group_id)
    assert group is not None and group.question == nasty.strip()
    assert await storage.add_alias("entry", nasty, "curator") is True
    assert Alias("entry", nasty.strip()) in await storage.list_aliases()


@pytest.mark.parametrize(("asked", "stored", "alias", "kept"), [
    # JSON can carry "\ud800"; SQLite cannot encode it, and the gap used to be lost.
    ("why \ud800 this", "why \ufffd this", "alias \udc00", "alias \ufffd"),
    # SQLite's length() stops at a NUL, so a question starting with one failed the CHECK on
    # its length: the gap was lost and the bot logged a storage outage that was none.
    ("\x00why is this kept", "\ufffdwhy is this kept", "\x00alias", "\ufffdalias"),
])
async def test_text_sqlite_cannot_keep_is_stored_with_replacement_characters(
        storage: Storage, asked: str, stored: str, alias: str, kept: str) -> None:
    record = await storage.record_gap(gap(asked))
    assert record is not None
    group = await storage.get_gap(record.group_id)
    assert group is not None and group.question == stored
    assert await storage.add_alias("entry", alias, "curator") is True
    assert Alias("entry", kept) in await storage.list_aliases()


# -- listing ---------------------------------------------------------------------------
async def test_list_gaps_ranks_by_count_then_recency(storage: Storage) -> None:
    for i in range(3):
        await storage.record_gap(gap("how long are chats kept", f"u{i}", at=T0))
    await storage.record_gap(gap("who can read my chats", "u1", at=T0 + timedelta(hours=1)))
    await storage.record_gap(gap("is voice mode recorded", "u1", at=T0 + timedelta(hours=2)))
    for i in range(2):
        await storage.record_gap(gap("can i export my data", f"u{i}", at=T0))

    ranked = await storage.list_gaps()
    assert [g.question for g in ranked] == [
        "how long are chats kept",
        "can i export my data",
        "is voice mode recorded",
        "who can read my chats",
    ]
    assert [g.count for g in ranked] == [3, 2, 1, 1]
    page = await storage.list_gaps(limit=2, offset=1)
    assert [g.question for g in page] == [g.question for g in ranked[1:3]]
    assert await storage.count_gaps() == 4


async def test_list_gaps_filters_by_status_and_surface(storage: Storage) -> None:
    a = await storage.record_gap(gap("api question one", surface="api"))
    b = await storage.record_gap(gap("a desktop question", surface="desktop"))
    c = await storage.record_gap(gap("something unrelated entirely", surface="api"))
    assert a is not None and b is not None and c is not None
    await storage.dismiss_gap(c.group_id, "spam", "curator")

    assert [g.id for g in await storage.list_gaps(surface="api")] == [a.group_id]
    assert {g.id for g in await storage.list_gaps(status=None, surface="api")} == {
        a.group_id,
        c.group_id,
    }
    assert [g.id for g in await storage.list_gaps("dismissed")] == [c.group_id]
    assert await storage.list_gaps(GapStatus.RESOLVED) == []
    assert await storage.count_gaps(None) == 3
    assert await storage.count_gaps("open", "desktop") == 1
    with pytest.raises(ValueError):
        await storage.list_gaps("closed")


async def test_get_gap_unknown_is_none(storage: Storage) -> None:
    assert await storage.get_gap(12345) is None
    assert await storage.list_gap_events(12345) == []


# -- curation --------------------------------------------------------------------------
async def test_resolve_marks_group_and_adds_alias(storage: Storage) -> None:
    record = await storage.record_gap(gap("can anthropic staff read my prompts"))
    assert record is not None
    resolved = await storage.resolve_gap(record.group_id, "human-review", "curator-1")
    assert resolved.status is GapStatus.RESOLVED
    assert resolved.resolved_entry_id == "human-review"
    assert await storage.list_aliases() == [
        Alias("human-review", "can anthropic staff read my prompts")
    ]
    assert await storage.list_gaps() == []
    assert [g.id for g in await storage.list_gaps("resolved")] == [record.group_id]

    again = await storage.record_gap(gap("can anthropic staff read my prompts", "user-b"))
    assert again is not None
    assert again.group_id != record.group_id, "a resolved group must not absorb new gaps"


async def test_resolve_with_a_tidied_question(storage: Storage) -> None:
    record = await storage.record_gap(gap("pls can staff read my prompts??? urgent"))
    assert record is not None
    await storage.resolve_gap(
        record.group_id, "human-review", "curator", question="Can staff read my prompts?"
    )
    assert await storage.list_aliases() == [Alias("human-review", "Can staff read my prompts?")]


async def test_resolve_and_dismiss_refuse_unknown_or_closed_gaps(storage: Storage) -> None:
    record = await storage.record_gap(gap("a question"))
    assert record is not None
    with pytest.raises(GapNotFound):
        await storage.resolve_gap(999, "x", "curator")
    with pytest.raises(GapNotFound):
        await storage.dismiss_gap(999, None, "curator")
    await storage.resolve_gap(record.group_id, "x", "curator")
    with pytest.raises(GapNotOpen):
        await storage.resolve_gap(record.group_id, "y", "curator")
    with pytest.raises(GapNotOpen):
        await storage.dismiss_gap(record.group_id, "late", "curator")
    assert await storage.list_aliases() == [Alias("x", "a question")]


async def test_dismiss_keeps_reason_and_adds_no_alias(storage: Storage) -> None:
    record = await storage.record_gap(gap("what's the weather"))
    assert record is not None
    dismissed = await storage.dismiss_gap(record.group_id, "off topic", "curator")
    assert dismissed.status is GapStatus.DISMISSED
    assert dismissed.dismiss_reason == "off topic"
    assert dismissed.resolved_entry_id is None
    assert await storage.list_aliases() == []
    fetched = await storage.get_gap(record.group_id)
    assert fetched == dismissed


async def test_aliases_are_deduplicated_and_ordered_by_entry(storage: Storage) -> None:
    assert await storage.add_alias("retention", "how long is my data kept", "c") is True
    assert await storage.add_alias("deletion", "how do i delete a chat", "c") is True
    assert await storage.add_alias("retention", "how long is my data kept", "c2") is False
    assert await storage.add_alias("retention", "when is my data erased", "c") is True
    assert await storage.list_aliases() == [
        Alias("deletion", "how do i delete a chat"),
        Alias("retention", "how long is my data kept"),
        Alias("retention", "when is my data erased"),
    ]
    entry_id, question = (await storage.list_aliases())[0]
    assert (entry_id, question) == ("deletion", "how do i delete a chat")
    with pytest.raises(ValueError):
        await storage.add_alias("retention", "   ", "c")


# -- feedback and stats ----------------------------------------------------------------
async def test_one_vote_per_user_per_answer(storage: Storage) -> None:
    assert await storage.record_feedback("msg-1", "training", "user-a", Vote.UP) is True
    assert await storage.record_feedback("msg-1", "training", "user-a", Vote.DOWN) is False
    assert await storage.record_feedback("msg-1", "training", "user-a", "up") is False
    assert await storage.record_feedback("msg-1", "training", "user-b", "down", "outdated")
    assert await storage.record_feedback("msg-2", "training", "user-a", "down") is True
    with pytest.raises(ValueError):
        await storage.record_feedback("msg-3", "training", "user-a", "meh")
    stats = await storage.stats()
    assert stats.feedback == (FeedbackTally("training", up=1, down=2),)


async def test_a_down_vote_takes_one_reason_after_the_vote(storage: Storage) -> None:
    await storage.record_feedback("msg-1", "training", "user-a", "down")
    await storage.record_feedback("msg-1", "training", "user-b", "up")
    record = await storage.record_gap(
        gap("(down on training)", "user-a", outcome=GapOutcome.FEEDBACK)
    )
    assert record is not None
    assert await storage.set_feedback_reason(
        "msg-1", "user-a", FeedbackReason.OUTDATED, record.event_id
    )
    assert not await storage.set_feedback_reason("msg-1", "user-a", "other", record.event_id)
    assert not await storage.set_feedback_reason("msg-1", "user-b", "outdated")  # an up vote
    assert not await storage.set_feedback_reason("msg-9", "user-a", "outdated")  # no vote
    (event,) = await storage.list_gap_events(record.group_id)
    assert event.reason == "outdated"
    assert (await storage.stats()).feedback == (FeedbackTally("training", up=1, down=1),)


async def test_stats_counts_questions_votes_and_top_gaps(storage: Storage) -> None:
    for outcome in ("answer", "answer", "answer", "suggest", "none", "none"):
        await storage.record_question(outcome, entry_id="e" if outcome == "answer" else None)
    with pytest.raises(ValueError):
        await storage.record_question("maybe")
    await storage.record_feedback("m1", "b-entry", "u1", "up")
    await storage.record_feedback("m2", "a-entry", "u1", "down")
    await storage.record_feedback("m2", "a-entry", "u2", "up")
    for i in range(3):
        await storage.record_gap(gap("most asked", f"u{i}"))
    await storage.record_gap(gap("asked once only here"))

    stats = await storage.stats(top=1)
    assert (stats.questions, stats.answered, stats.suggested, stats.unanswered) == (6, 3, 1, 2)
    assert stats.feedback == (FeedbackTally("a-entry", 1, 1), FeedbackTally("b-entry", 1, 0))
    assert stats.open_gaps == 2
    assert [g.question for g in stats.top_gaps] == ["most asked"]
    assert stats.top_gaps[0].count == 3


async def test_record_questions_stores_a_batch_like_one_call_per_question(
    storage: Storage,
) -> None:
    await storage.record_questions([])
    await storage.record_questions(
        [
            QuestionCount("answer", entry_id="e", surface="web", guild_id=1),
            QuestionCount("suggest", guild_id=1),
            QuestionCount("none", at=T0 - timedelta(days=100)),
        ]
    )
    stats = await storage.stats()
    assert (stats.questions, stats.answered, stats.suggested, stats.unanswered) == (3, 1, 1, 1)
    # Each count keeps its own time: retention treats a batched row like any other.
    assert await storage.purge(T0 - timedelta(days=90)) == 1
    assert (await storage.stats()).questions == 2


async def test_record_questions_refuses_the_whole_batch_for_one_bad_outcome(
    storage: Storage,
) -> None:
    with pytest.raises(ValueError):
        await storage.record_questions([QuestionCount("answer"), QuestionCount("maybe")])
    assert (await storage.stats()).questions == 0


async def test_empty_stats(storage: Storage) -> None:
    stats = await storage.stats()
    assert (stats.questions, stats.answered, stats.open_gaps, stats.feedback) == (0, 0, 0, ())


# -- abuse limits ----------------------------------------------------------------------
async def test_gaps_recorded_since_counts_one_users_events(storage: Storage) -> None:
    for minutes in (0, 10, 50, 70):
        await storage.record_gap(
            gap(f"question {minutes}", "user-a", at=T0 + timedelta(minutes=minutes))
        )
    await storage.record_gap(gap("someone else", "user-b", at=T0 + timedelta(minutes=65)))
    since = T0 + timedelta(minutes=10)
    assert await storage.gaps_recorded_since("user-a", since) == 3
    assert await storage.gaps_recorded_since("user-b", since) == 1
    assert await storage.gaps_recorded_since("nobody", since) == 0


async def test_hourly_cap_stops_one_user_flooding(storage: Storage) -> None:
    cap = 3
    stored = [
        await storage.record_gap(
            gap(f"flood question number {i}", "flooder", at=T0 + timedelta(minutes=i)),
            hourly_cap=cap,
        )
        for i in range(5)
    ]
    assert [r is not None for r in stored] == [True, True, True, False, False]
    other = await storage.record_gap(gap("legit question", "someone", at=T0), hourly_cap=cap)
    assert other is not None
    later = await storage.record_gap(
        gap("back after an hour", "flooder", at=T0 + timedelta(minutes=61)), hourly_cap=cap
    )
    assert later is not None, "events older than an hour no longer count"
    assert await storage.gaps_recorded_since("flooder", T0 - timedelta(days=1)) == 4


async def test_hourly_cap_holds_under_concurrency(storage: Storage) -> None:
    results = await asyncio.gather(
        *(storage.record_gap(gap(f"burst {i}", "flooder"), hourly_cap=4) for i in range(20))
    )
    assert sum(r is not None for r in results) == 4
    assert await storage.gaps_recorded_since("flooder", T0 - timedelta(hours=1)) == 4


# -- guild config ----------------------------------------------------------------------
async def test_curator_role_per_guild(storage: Storage) -> None:
    assert await storage.guild_config(1) == GuildConfig(1, None)
    await storage.set_curator_role(1, 555)
    await storage.set_curator_role(2, 777)
    await storage.set_curator_role(1, 556)
    assert await storage.guild_config(1) == GuildConfig(1, 556)
    assert await storage.guild_config(2) == GuildConfig(2, 777)
    await storage.set_curator_role(2, None)
    assert (await storage.guild_config(2)).curator_role_id is None


# -- privacy ---------------------------------------------------------------------------
async def test_purge_deletes_rows_older_than_cutoff(storage: Storage) -> None:
    old, new = T0 - timedelta(days=100), T0
    old_only = await storage.record_gap(gap("an old question nobody repeats", at=old))
    mixed_old = await storage.record_gap(gap("how long is data kept", "user-a", at=old))
    mixed_new = await storage.record_gap(gap("How long is data kept?", "user-b", at=new))
    assert old_only is not None and mixed_old is not None and mixed_new is not None
    assert mixed_new.group_id == mixed_old.group_id
    await storage.record_feedback("m-old", "e", "user-a", "down", at=old)
    await storage.record_feedback("m-new", "e", "user-a", "up", at=new)
    await storage.record_question("none", at=old)
    await storage.record_question("answer", entry_id="e", at=new)
    await storage.add_alias("e", "a curated phrasing", "curator")

    removed = await storage.purge(T0 - timedelta(days=90))
    assert removed == 2 + 1 + 1  # two gap events, one vote, one question-log row

    assert await storage.get_gap(old_only.group_id) is None, "empty groups are removed"
    survivor = await storage.get_gap(mixed_new.group_id)
    assert survivor is not None
    assert survivor.count == 1
    assert survivor.first_seen == new
    assert survivor.question == "How long is data kept?", "old text must not outlive retention"
    stats = await storage.stats()
    assert (stats.questions, stats.answered) == (1, 1)
    assert stats.feedback == (FeedbackTally("e", 1, 0),)
    assert await storage.list_aliases() == [Alias("e", "a curated phrasing")]
    assert await storage.purge(T0 - timedelta(days=90)) == 0


async def test_purge_expired_applies_retention_days(storage: Storage) -> None:
    await storage.record_gap(gap("kept eighty nine days", at=T0 - timedelta(days=89)))
    await storage.record_gap(gap("gone after ninety one", at=T0 - timedelta(days=91)))
    assert await purge_expired(storage, 90, now=T0) == 1
    assert [g.question for g in await storage.list_gaps()] == ["kept eighty nine days"]
    with pytest.raises(ValueError):
        await purge_expired(storage, 0, now=T0)


async def test_purge_keeps_state_of_surviving_groups(storage: Storage) -> None:
    a = await storage.record_gap(gap("what happens to my files", at=T0 - timedelta(days=200)))
    b = await storage.record_gap(gap("what happens to my files?", "u2", at=T0))
    assert a is not None and b is not None
    await storage.dismiss_gap(a.group_id, "covered elsewhere", "curator")
    await storage.purge(T0 - timedelta(days=90))
    group = await storage.get_gap(a.group_id)
    assert group is not None
    assert (group.status, group.dismiss_reason, group.count) == (
        GapStatus.DISMISSED,
        "covered elsewhere",
        1,
    )


async def test_forget_user_removes_only_that_users_rows(storage: Storage) -> None:
    mine_only = await storage.record_gap(gap("my very own question about files", "me"))
    shared_mine = await storage.record_gap(gap("is my chat used for training", "me"))
    shared_theirs = await storage.record_gap(
        gap("Is my chat used for training?", "them", at=T0 + timedelta(minutes=1))
    )
    theirs = await storage.record_gap(gap("a different question entirely", "them"))
    assert mine_only and shared_mine and shared_theirs and theirs
    await storage.record_feedback("m1", "e", "me", "up")
    await storage.record_feedback("m1", "e", "them", "down")
    await storage.record_feedback("m2", "e", "me", "down")
    curated = await storage.record_gap(gap("something curated later", "them"))
    assert curated is not None
    await storage.resolve_gap(curated.group_id, "e", "me")  # "me" is also a curator

    removed = await storage.forget_user("me")
    # two gap events, two votes, and the curator hash cleared on one group and one alias
    assert removed == 2 + 2 + 1 + 1

    assert await storage.get_gap(mine_only.group_id) is None
    shared = await storage.get_gap(shared_mine.group_id)
    assert shared is not None
    assert shared.count == 1
    assert shared.question == "Is my chat used for training?"
    assert await storage.get_gap(theirs.group_id) is not None
    assert await storage.gaps_recorded_since("me", T0 - timedelta(days=1)) == 0
    assert await storage.gaps_recorded_since("them", T0 - timedelta(days=1)) == 3
    assert (await storage.stats()).feedback == (FeedbackTally("e", 0, 1),)
    assert await storage.record_feedback("m1", "e", "me", "up") is True, "the vote is gone"
    assert await storage.list_aliases() == [Alias("e", "something curated later")]
    assert (await storage.get_gap(curated.group_id)).status is GapStatus.RESOLVED  # type: ignore[union-attr]
    assert await storage.forget_user("me") == 1  # only the new vote just cast
    assert await storage.forget_user("nobody") == 0


async def test_closed_storage_raises_domain_error(storage: Storage) -> None:
    await storage.record_gap(gap("kept while closed"))
    await storage.close()
    with pytest.raises(StorageUnavailable):
        await storage.record_gap(gap("q"))
    with pytest.raises(StorageUnavailable):
        await storage.list_gaps()
    await storage.open()
    assert [g.question for g in await storage.list_gaps()] == ["kept while closed"]


# -- both backends behave identically ----------------------------------------------------
_BASES = (
    "does claude train on my chats",
    "does claude train on my code",
    "how long is my data kept",
    "how long is data kept",
    "can i delete my chats",
)
# Near-duplicates (case, punctuation) of a few bases, so groups really merge and split.
_questions = st.builds(
    lambda base, upper, tail: (base.capitalize() if upper else base) + tail,
    st.sampled_from(_BASES),
    st.booleans(),
    st.sampled_from(("", "?", "??", "!", " please")),
)
_actions = st.lists(
    st.tuples(
        _questions,
        st.sampled_from(("u1", "u2", "u3")),
        st.sampled_from((None, "api")),
        st.integers(min_value=0, max_value=200),  # days before T0
        st.sampled_from(("record", "record", "record", "resolve", "dismiss")),
    ),
    min_size=1,
    max_size=25,
)


async def _replay(storage: Storage, actions: list[tuple[str, str, str | None, int, str]]) -> list:
    trace: list = []
    for question, user, surface, days, action in actions:
        at = T0 - timedelta(days=days)
        if action == "record":
            record = await storage.record_gap(gap(question, user, at=at, surface=surface))
            trace.append(record)
            continue
        groups = await storage.list_gaps(limit=1)
        if not groups:
            continue
        if action == "resolve":
            trace.append(await storage.resolve_gap(groups[0].id, "entry", user))
        else:
            trace.append(await storage.dismiss_gap(groups[0].id, "no", user))
    trace.append(await storage.purge(T0 - timedelta(days=90)))
    trace.append(await storage.forget_user("u2"))
    trace.append(await storage.list_gaps(status=None, limit=1000))
    trace.append(await storage.list_aliases())
    return trace


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=_actions)
def test_backends_agree_on_random_histories(actions: list) -> None:
    async def run(kind: str, folder: Path) -> list:
        async with make_storage(kind, folder) as storage:
            return await _replay(storage, actions)

    with tempfile.TemporaryDirectory() as folder:
        traces = [asyncio.run(run(kind, Path(folder))) for kind in BACKENDS]
    assert all(trace == traces[0] for trace in traces[1:])
