"""Curation texts as plain functions: hostile questions stay inert and every embed fits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.discord_app import formatting
from bot.discord_app.exts.curation import entry_choices
from bot.knowledge.loader import Problem
from bot.knowledge.model import Knowledge
from bot.storage.base import FeedbackTally, GapGroup, GapStatus, Stats

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
HOSTILE = "@everyone **bold** <@&123456789012345678> `code` " + "x" * 5000


def group(gap_id: int, question: str = HOSTILE, **changes: object) -> GapGroup:
    fields: dict = {
        "id": gap_id,
        "question": question,
        "normalised": question.casefold(),
        "surface": None,
        "count": 3,
        "first_seen": NOW,
        "last_seen": NOW,
        "status": GapStatus.OPEN,
        "best_entry_id": "no-such-entry",
        "best_score": 71.4,
    }
    fields.update(changes)
    return GapGroup(**fields)


def test_gaps_page_escapes_and_fits(shipped_knowledge: Knowledge) -> None:
    groups = [group(i) for i in range(1, formatting.GAPS_PER_PAGE + 1)]
    page = formatting.gaps_page(
        groups, shipped_knowledge, page=1, total_groups=35, status="open", surface=None
    )
    text = page.embed.description or ""
    assert (page.number, page.total) == (1, 4)
    assert "@everyone" not in text and "**bold**" not in text
    assert len(text) <= formatting.DESCRIPTION_MAX and len(page.embed) <= 6000
    assert text.count("**#") == formatting.GAPS_PER_PAGE
    assert "(71)" in text and f"<t:{int(NOW.timestamp())}:R>" in text


def test_closed_gaps_show_their_outcome(shipped_knowledge: Knowledge) -> None:
    entry_id = next(iter(shipped_knowledge.entries))
    resolved = formatting.gap_line(
        group(1, "q", status=GapStatus.RESOLVED, resolved_entry_id=entry_id), shipped_knowledge
    )
    dismissed = formatting.gap_line(
        group(2, "q", status=GapStatus.DISMISSED, dismiss_reason="**spam**"), shipped_knowledge
    )
    assert f"resolved to `{entry_id}`" in resolved
    assert "dismissed: \\*\\*spam\\*\\*" in dismissed


def test_reload_problems_are_truncated_within_limits(shipped_knowledge: Knowledge) -> None:
    problems = [
        Problem(f"entries/f{i}.yaml", i, f"entry-{i}", "unknown key 'answr' " * 5, "remove it")
        for i in range(1, 400)
    ]
    embed = formatting.reload_problems_embed(problems, shipped_knowledge)
    text = embed.description or ""
    assert embed.title == "Knowledge not reloaded: 399 problem(s)"
    assert "entries/f1.yaml:1: [entry-1] unknown key" in text and "Fix: remove it" in text
    assert "more: `policybot kb check` lists them all." in text
    assert len(text) <= formatting.DESCRIPTION_MAX and len(embed) <= 6000


def test_stats_embed_ranks_down_votes_first(shipped_knowledge: Knowledge) -> None:
    a, b = list(shipped_knowledge.entries)[:2]
    stats = Stats(
        questions=10,
        answered=6,
        suggested=3,
        unanswered=1,
        suggestion_clicks=2,
        open_gaps=1,
        feedback=(FeedbackTally(a, up=5, down=0), FeedbackTally(b, up=0, down=2)),
        top_gaps=(group(7, "how do i export my chats"),),
    )
    fields = {f.name: f.value for f in formatting.stats_embed(stats, shipped_knowledge).fields}
    assert fields["Answered / suggested / unanswered"] == "6 / 3 / 1"
    votes = fields["Votes per entry (most 👎 first)"].splitlines()
    assert votes[0].startswith(f"👍 0 · 👎 2 · `{b}`") and f"`{a}`" in votes[1]
    assert "#7 · 3× · “how do i export my chats”" in fields["Top open gaps (1 open)"]


def test_entry_choices_prefer_prefixes_and_fit(shipped_knowledge: Knowledge) -> None:
    first = next(iter(shipped_knowledge.entries.values()))
    choices = entry_choices(shipped_knowledge, first.id[:6].upper())
    assert choices and choices[0].value.startswith(first.id[:6])
    assert len(entry_choices(shipped_knowledge, "")) == formatting.CHOICES_MAX
    assert all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
    assert entry_choices(shipped_knowledge, "zzzz no such thing") == []


def test_gap_resolved_says_what_the_taught_question_gets_now(
        shipped_knowledge: Knowledge) -> None:
    taught = shipped_knowledge.entries["code-training-consumer"]
    general = shipped_knowledge.entries["ai-training-default"]
    closed = group(7, status=GapStatus.RESOLVED)
    same = formatting.gap_resolved(closed, taught, taught)
    assert "answered that way for everyone from now on" in same
    other = formatting.gap_resolved(closed, taught, general)
    assert "for everyone from now on" not in other
    assert f"`{general.id}`" in other and f"`{taught.id}`" in other
    unanswered = formatting.gap_resolved(closed, taught, None)
    assert "still gets no answer" in unanswered
    for text in (same, other, unanswered):
        assert len(text) <= formatting.CONTENT_MAX
        assert "@everyone" not in text
