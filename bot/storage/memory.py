"""An in-memory backend: the reference behaviour for the contract suite, and fast tests.

It keeps plain lists and dicts, follows the same rules as the SQLite backend (same grouping
helpers, same ordering tie-breaks, same one-vote rule). Like a database file, the data
outlives `close()`/`open()` of the same instance; while closed, every call raises
`StorageUnavailable`, as the SQLite backend does.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from bot.errors import StorageUnavailable
from bot.storage.base import (
    GROUP_SCAN_LIMIT,
    GROUP_THRESHOLD,
    Alias,
    FeedbackReason,
    FeedbackTally,
    GapEvent,
    GapGroup,
    GapNotFound,
    GapNotOpen,
    GapOutcome,
    GapRecord,
    GapStatus,
    GuildConfig,
    QuestionCount,
    ScoredCandidate,
    Stats,
    StoredGapEvent,
    Vote,
    as_utc,
    cap_question,
    cap_reason,
)
from bot.storage.grouping import (
    check_question_outcome,
    check_status,
    check_vote,
    pick_group,
    prepared_event,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Event:
    id: int
    group_id: int
    question: str
    normalised: str
    surface: str | None
    guild_id: int | None
    channel_id: int | None
    user_hash: str
    outcome: str
    key: str
    candidates: tuple[ScoredCandidate, ...]
    reason: str | None
    clicked_entry_id: str | None
    at: datetime


@dataclass(slots=True)
class _Group:
    id: int
    question: str
    normalised: str
    key: str
    surface: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    status: GapStatus
    best_entry_id: str | None
    best_score: float | None
    resolved_entry_id: str | None = None
    dismiss_reason: str | None = None
    curator_hash: str | None = None


@dataclass(slots=True)
class _Feedback:
    answer_key: str
    entry_id: str
    user_hash: str
    vote: Vote
    reason: str | None
    at: datetime


@dataclass(slots=True)
class _Alias:
    entry_id: str
    question: str
    curator_hash: str | None


class MemoryStorage:
    """`Storage` held in process memory; see the module docstring."""

    def __init__(self, group_threshold: float = GROUP_THRESHOLD) -> None:
        self.group_threshold = group_threshold
        self._open = False
        self._reset()

    def _reset(self) -> None:
        self._events: dict[int, _Event] = {}
        self._groups: dict[int, _Group] = {}
        self._feedback: list[_Feedback] = []
        self._questions: list[tuple[datetime, str, str | None, str | None, int | None]] = []
        self._aliases: list[_Alias] = []
        self._guilds: dict[int, GuildConfig] = {}
        self._heartbeat: datetime | None = None
        self._next_event = 1
        self._next_group = 1

    async def open(self) -> None:
        self._open = True

    async def close(self) -> None:
        self._open = False

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def healthy(self) -> bool:
        return self._open

    def _require_open(self) -> None:
        if not self._open:
            raise StorageUnavailable("storage is not open")

    async def heartbeat(self, now: datetime | None = None) -> None:
        self._require_open()
        self._heartbeat = as_utc(now)

    async def last_heartbeat(self) -> datetime | None:
        self._require_open()
        return self._heartbeat

    # -- what people asked -------------------------------------------------------------
    async def record_question(
        self,
        outcome: str,
        *,
        entry_id: str | None = None,
        surface: str | None = None,
        guild_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        self._require_open()
        self._questions.append(
            (as_utc(at), check_question_outcome(outcome), entry_id, surface, guild_id)
        )

    async def record_questions(self, counts: Sequence[QuestionCount]) -> None:
        self._require_open()
        rows = [
            (as_utc(c.at), check_question_outcome(c.outcome), c.entry_id, c.surface, c.guild_id)
            for c in counts
        ]
        self._questions.extend(rows)

    async def record_gap(
        self, event: GapEvent, *, hourly_cap: int | None = None
    ) -> GapRecord | None:
        self._require_open()
        question, normalised, key, outcome, candidates = prepared_event(event)
        at = as_utc(event.at)
        if hourly_cap is not None:
            recent = await self.gaps_recorded_since(event.user_hash, at - timedelta(hours=1))
            if recent >= hourly_cap:
                return None
        open_groups = sorted(
            (
                g
                for g in self._groups.values()
                if g.status is GapStatus.OPEN and g.surface == event.surface
            ),
            key=lambda g: (g.last_seen, g.id),
            reverse=True,
        )
        # An exact key match wins over any fuzzy one, however old; the fuzzy scan is bounded.
        group_id = next((g.id for g in open_groups if g.key == key), None)
        if group_id is None:
            recent = [(g.id, g.key) for g in open_groups[:GROUP_SCAN_LIMIT]]
            group_id = pick_group(key, recent, self.group_threshold)
        best = candidates[0] if candidates else None
        if group_id is None:
            group = _Group(
                id=self._next_group,
                question=question,
                normalised=normalised,
                key=key,
                surface=event.surface,
                count=0,
                first_seen=at,
                last_seen=at,
                status=GapStatus.OPEN,
                best_entry_id=best.entry_id if best else None,
                best_score=best.score if best else None,
            )
            self._next_group += 1
            self._groups[group.id] = group
        else:
            group = self._groups[group_id]
        new_group = group.count == 0
        group.count += 1
        if not new_group:
            if at < group.first_seen:
                group.first_seen, group.question = at, question
                group.normalised, group.key = normalised, key
            group.last_seen = max(group.last_seen, at)
            if best and (group.best_score is None or best.score > group.best_score):
                group.best_entry_id, group.best_score = best.entry_id, best.score
        stored = _Event(
            id=self._next_event,
            group_id=group.id,
            question=question,
            normalised=normalised,
            surface=event.surface,
            guild_id=event.guild_id,
            channel_id=event.channel_id,
            user_hash=event.user_hash,
            outcome=str(outcome),
            key=key,
            candidates=candidates,
            reason=event.reason,
            clicked_entry_id=None,
            at=at,
        )
        self._next_event += 1
        self._events[stored.id] = stored
        return GapRecord(stored.id, group.id, group.count, new_group)

    async def record_suggestion_click(self, event_id: int, entry_id: str) -> bool:
        self._require_open()
        stored = self._events.get(event_id)
        if stored is None:
            return False
        stored.clicked_entry_id = entry_id
        return True

    async def record_feedback(
        self,
        answer_key: str,
        entry_id: str,
        user_hash: str,
        vote: Vote | str,
        reason: str | None = None,
        *,
        at: datetime | None = None,
    ) -> bool:
        self._require_open()
        checked = check_vote(vote)
        when = as_utc(at)
        if any(f.answer_key == answer_key and f.user_hash == user_hash for f in self._feedback):
            return False
        self._feedback.append(_Feedback(answer_key, entry_id, user_hash, checked, reason, when))
        return True

    async def set_feedback_reason(
        self,
        answer_key: str,
        user_hash: str,
        reason: FeedbackReason | str,
        gap_event_id: int | None = None,
    ) -> bool:
        self._require_open()
        text = cap_reason(reason)
        vote = next(
            (
                f
                for f in self._feedback
                if f.answer_key == answer_key and f.user_hash == user_hash and f.vote == Vote.DOWN
            ),
            None,
        )
        if vote is None or vote.reason is not None:
            return False
        vote.reason = text
        event = self._events.get(gap_event_id) if gap_event_id is not None else None
        if event is not None and event.user_hash == user_hash and event.outcome == "feedback":
            event.reason = event.reason or text
        return True

    async def gaps_recorded_since(self, user_hash: str, since: datetime) -> int:
        self._require_open()
        since = as_utc(since)
        return sum(1 for e in self._events.values() if e.user_hash == user_hash and e.at >= since)

    # -- curation ----------------------------------------------------------------------
    def _filtered(self, status: GapStatus | str | None, surface: str | None) -> list[_Group]:
        wanted = check_status(status)
        return [
            g
            for g in self._groups.values()
            if (wanted is None or g.status is wanted) and (surface is None or g.surface == surface)
        ]

    async def list_gaps(
        self,
        status: GapStatus | str | None = GapStatus.OPEN,
        surface: str | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> list[GapGroup]:
        self._require_open()
        # Same order as the SQL: count desc, last_seen desc, id asc (two stable sorts, since
        # a float timestamp would blur microseconds).
        ranked = sorted(self._filtered(status, surface), key=lambda g: g.id)
        ranked.sort(key=lambda g: (g.count, g.last_seen), reverse=True)
        return [_public(g) for g in ranked[offset : offset + limit]]

    async def count_gaps(
        self, status: GapStatus | str | None = GapStatus.OPEN, surface: str | None = None
    ) -> int:
        self._require_open()
        return len(self._filtered(status, surface))

    async def get_gap(self, gap_id: int) -> GapGroup | None:
        self._require_open()
        group = self._groups.get(gap_id)
        return _public(group) if group else None

    async def list_gap_events(self, gap_id: int, limit: int = 50) -> list[StoredGapEvent]:
        self._require_open()
        events = sorted(
            (e for e in self._events.values() if e.group_id == gap_id), key=lambda e: (e.at, e.id)
        )
        return [_public_event(e) for e in events[:limit]]

    def _open_group(self, gap_id: int) -> _Group:
        group = self._groups.get(gap_id)
        if group is None:
            raise GapNotFound(f"gap {gap_id} not found")
        if group.status is not GapStatus.OPEN:
            raise GapNotOpen(f"gap {gap_id} is {group.status}")
        return group

    async def resolve_gap(
        self, gap_id: int, entry_id: str, curator_hash: str, question: str | None = None
    ) -> GapGroup:
        self._require_open()
        group = self._open_group(gap_id)
        alias = cap_question(question or group.question)
        if not alias:
            raise ValueError("an alias needs question text")
        group.status = GapStatus.RESOLVED
        group.resolved_entry_id = entry_id
        group.curator_hash = curator_hash
        await self.add_alias(entry_id, alias, curator_hash)
        return _public(group)

    async def dismiss_gap(self, gap_id: int, reason: str | None, curator_hash: str) -> GapGroup:
        self._require_open()
        group = self._open_group(gap_id)
        group.status = GapStatus.DISMISSED
        group.dismiss_reason = reason
        group.curator_hash = curator_hash
        return _public(group)

    async def add_alias(self, entry_id: str, question: str, curator_hash: str) -> bool:
        self._require_open()
        text = cap_question(question)
        if not text or not entry_id:
            raise ValueError("an alias needs an entry id and question text")
        if any(a.entry_id == entry_id and a.question == text for a in self._aliases):
            return False
        self._aliases.append(_Alias(entry_id, text, curator_hash))
        return True

    async def list_aliases(self) -> list[Alias]:
        self._require_open()
        indexed = sorted(enumerate(self._aliases), key=lambda pair: (pair[1].entry_id, pair[0]))
        return [Alias(a.entry_id, a.question) for _, a in indexed]

    async def stats(self, top: int = 5) -> Stats:
        self._require_open()
        outcomes = [q[1] for q in self._questions]
        tallies: dict[str, list[int]] = {}
        for f in self._feedback:
            tally = tallies.setdefault(f.entry_id, [0, 0])
            tally[0 if f.vote is Vote.UP else 1] += 1
        return Stats(
            questions=len(outcomes),
            answered=outcomes.count("answer"),
            suggested=outcomes.count("suggest"),
            unanswered=outcomes.count("none"),
            suggestion_clicks=sum(1 for e in self._events.values() if e.clicked_entry_id),
            open_gaps=await self.count_gaps(GapStatus.OPEN),
            feedback=tuple(FeedbackTally(k, v[0], v[1]) for k, v in sorted(tallies.items())),
            top_gaps=tuple(await self.list_gaps(GapStatus.OPEN, limit=top)),
        )

    # -- configuration -----------------------------------------------------------------
    async def guild_config(self, guild_id: int) -> GuildConfig:
        self._require_open()
        return self._guilds.get(guild_id, GuildConfig(guild_id))

    async def set_curator_role(self, guild_id: int, role_id: int | None) -> None:
        self._require_open()
        self._guilds[guild_id] = GuildConfig(guild_id, role_id)

    # -- privacy -----------------------------------------------------------------------
    async def purge(self, older_than: datetime) -> int:
        self._require_open()
        cutoff = as_utc(older_than)
        old_events = [i for i, e in self._events.items() if e.at < cutoff]
        for event_id in old_events:
            del self._events[event_id]
        before = len(self._feedback) + len(self._questions)
        self._feedback = [f for f in self._feedback if f.at >= cutoff]
        self._questions = [q for q in self._questions if q[0] >= cutoff]
        removed = len(old_events) + before - len(self._feedback) - len(self._questions)
        self._resummarise()
        return removed

    async def forget_user(self, user_hash: str) -> int:
        self._require_open()
        mine = [i for i, e in self._events.items() if e.user_hash == user_hash]
        for event_id in mine:
            del self._events[event_id]
        before = len(self._feedback)
        self._feedback = [f for f in self._feedback if f.user_hash != user_hash]
        cleared = 0
        for record in (*self._groups.values(), *self._aliases):
            if record.curator_hash == user_hash:
                record.curator_hash = None
                cleared += 1
        self._resummarise()
        return len(mine) + before - len(self._feedback) + cleared

    def _resummarise(self) -> None:
        """Drop empty groups; re-derive count, dates and sample from the events left."""
        by_group: dict[int, list[_Event]] = {}
        for e in self._events.values():
            by_group.setdefault(e.group_id, []).append(e)
        for group_id in list(self._groups):
            events = by_group.get(group_id)
            group = self._groups[group_id]
            if not events:
                del self._groups[group_id]
                continue
            if len(events) == group.count:
                continue
            events.sort(key=lambda e: (e.at, e.id))
            group.count = len(events)
            group.first_seen, group.question = events[0].at, events[0].question
            group.normalised, group.key = events[0].normalised, events[0].key
            group.last_seen = max(e.at for e in events)


def _public(group: _Group) -> GapGroup:
    return GapGroup(
        id=group.id,
        question=group.question,
        normalised=group.normalised,
        surface=group.surface,
        count=group.count,
        first_seen=group.first_seen,
        last_seen=group.last_seen,
        status=group.status,
        best_entry_id=group.best_entry_id,
        best_score=group.best_score,
        resolved_entry_id=group.resolved_entry_id,
        dismiss_reason=group.dismiss_reason,
    )


def _public_event(event: _Event) -> StoredGapEvent:
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(StoredGapEvent)}
    fields["outcome"] = GapOutcome(event.outcome)
    return StoredGapEvent(**fields)
