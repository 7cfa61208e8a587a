"""The storage protocol every backend implements, and the rows it speaks in.

The protocol is domain-shaped (record a gap, resolve it, forget a user) rather than
table-shaped, so front ends never see SQL and a PostgreSQL backend can join later by passing
the same contract suite (`tests/storage/test_contract.py`). Rows are frozen dataclasses so
they can be handed to formatting code and exported without anyone mutating them.

Times are timezone-aware `datetime`s in and out; naive ones are refused, because a naive
`datetime.now()` silently stored as UTC would shift retention and rate limits by hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import NamedTuple, Protocol, Self, runtime_checkable

from bot.errors import PolicybotError

#: Longest question text kept. Discord allows far longer messages; curators need the gist,
#: and a cap bounds what a hostile user can make us store.
MAX_QUESTION_CHARS = 500
#: Candidates kept per gap event: enough to see what nearly matched.
MAX_CANDIDATES = 5
#: Default `fuzz.token_sort_ratio` at or above which two normalised questions share a group.
GROUP_THRESHOLD = 88.0
#: How many recent open groups of the same surface are compared with a new question.
GROUP_SCAN_LIMIT = 500
#: Question outcomes counted by `record_question` (mirrors `bot.core.result.Outcome`,
#: which storage does not import so it stays independent of the matcher).
QUESTION_OUTCOMES = frozenset({"answer", "suggest", "none"})


class GapOutcome(StrEnum):
    """Why a question became a gap event."""

    NONE = "none"  # nothing matched
    SUGGEST = "suggest"  # only "did you mean" candidates
    FEEDBACK = "feedback"  # answered, but the person voted 👎


class GapStatus(StrEnum):
    """Where a gap group is in the curators' workflow."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class Vote(StrEnum):
    """A feedback button."""

    UP = "up"
    DOWN = "down"


class FeedbackReason(StrEnum):
    """The optional reasons offered with a 👎; free text is accepted too."""

    WRONG_SURFACE = "wrong_surface"
    OUTDATED = "outdated"
    DID_NOT_ANSWER = "did_not_answer"
    OTHER = "other"


class GapNotFound(PolicybotError):
    """A curator named a gap id that does not exist (or was purged)."""

    user_message = "There is no gap with that id."


class GapNotOpen(PolicybotError):
    """Only open gaps can be resolved or dismissed, so a decision is never silently redone."""

    user_message = "That gap is already resolved or dismissed."


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    """An entry the matcher considered for a question, with its 0-100 score."""

    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class GapEvent:
    """One question the bot could not answer well, as the front end reports it.

    `user_hash` comes from `UserHasher`; raw user ids never reach storage. `normalised` is
    the matcher's normalised form (`Result.explanation.normalised`); when empty, storage
    groups on a light fold of `question`. `question` longer than `MAX_QUESTION_CHARS` is cut.
    """

    question: str
    user_hash: str
    outcome: GapOutcome | str
    normalised: str = ""
    surface: str | None = None
    guild_id: int | None = None
    channel_id: int | None = None
    candidates: Sequence[ScoredCandidate] = ()
    reason: str | None = None
    at: datetime | None = None  # None: now


@dataclass(frozen=True, slots=True)
class QuestionCount:
    """One question counted for `/kb stats` (no text, no user), as `record_questions` takes it.

    `at` is when the question was asked, so a count written later in a batch is stored with
    the same time an immediate `record_question` would have given it.
    """

    outcome: str
    entry_id: str | None = None
    surface: str | None = None
    guild_id: int | None = None
    at: datetime | None = None  # None: now


@dataclass(frozen=True, slots=True)
class GapRecord:
    """What `record_gap` stored: the event (for suggestion clicks) and its group (for curators)."""

    event_id: int
    group_id: int
    count: int
    new_group: bool


@dataclass(frozen=True, slots=True)
class StoredGapEvent:
    """A stored gap event as curators see it (no user hash: it is not theirs to see)."""

    id: int
    group_id: int
    question: str
    normalised: str
    surface: str | None
    guild_id: int | None
    channel_id: int | None
    outcome: GapOutcome
    candidates: tuple[ScoredCandidate, ...]
    reason: str | None
    clicked_entry_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class GapGroup:
    """Similar gap events shown once: "asked 14 times", with the best near-miss.

    `question` is the earliest remaining event's text; `count`, `first_seen` and `last_seen`
    always describe the events still stored (purge and forget-me shrink them).
    """

    id: int
    question: str
    normalised: str
    surface: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    status: GapStatus
    best_entry_id: str | None = None
    best_score: float | None = None
    resolved_entry_id: str | None = None
    dismiss_reason: str | None = None


class Alias(NamedTuple):
    """A curator-added phrasing; a plain `(entry_id, question)` pair for `AnswerService`."""

    entry_id: str
    question: str


@dataclass(frozen=True, slots=True)
class FeedbackTally:
    """👍/👎 counts for one entry."""

    entry_id: str
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class Stats:
    """What `/kb stats` shows."""

    questions: int
    answered: int
    suggested: int
    unanswered: int
    suggestion_clicks: int
    open_gaps: int
    feedback: tuple[FeedbackTally, ...] = ()
    top_gaps: tuple[GapGroup, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """Per-guild settings curators change from Discord."""

    guild_id: int
    curator_role_id: int | None = None


@runtime_checkable
class Storage(Protocol):
    """Everything policybot persists. Use as `async with storage:` (or `open()`/`close()`).

    Backends raise `bot.errors.StorageUnavailable` when the database cannot be read or
    written, so a front end can keep answering from the knowledge and log one warning.
    """

    async def open(self) -> None:
        """Connect and bring the schema up to date; idempotent."""

    async def close(self) -> None:
        """Release the connection; pending writes are already committed."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def healthy(self) -> bool:
        """True when a trivial read succeeds; never raises."""

    async def heartbeat(self, now: datetime | None = None) -> None:
        """Record that the bot is alive (read by `policybot health`)."""

    async def last_heartbeat(self) -> datetime | None:
        """The most recent heartbeat, or None if the bot never wrote one."""

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
        """Count one question (no text, no user) for `/kb stats`."""

    async def record_questions(self, counts: Sequence[QuestionCount]) -> None:
        """Count several questions at once, in one transaction: all are stored or none.

        The same rows as one `record_question` per count; an unknown outcome anywhere
        refuses the whole batch (`ValueError`) before anything is written.
        """

    async def record_gap(
        self, event: GapEvent, *, hourly_cap: int | None = None
    ) -> GapRecord | None:
        """Store a gap event and fold it into a matching open group or a new one.

        With `hourly_cap`, returns None without storing when this user already has that many
        gap events in the hour before `event.at`; the check and the insert are one
        transaction, so concurrent requests cannot overshoot the cap.
        """

    async def record_suggestion_click(self, event_id: int, entry_id: str) -> bool:
        """Note which suggestion a person clicked; False if the event no longer exists."""

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
        """Store a vote; False when this user already voted on this answer (one vote each)."""

    async def set_feedback_reason(
        self,
        answer_key: str,
        user_hash: str,
        reason: FeedbackReason | str,
        gap_event_id: int | None = None,
    ) -> bool:
        """Attach the optional reason, picked after the vote, to this user's 👎 on this answer.

        The 👎 is stored the moment it is clicked (so no vote waits on a choice that may
        never come); the reason follows, once: False when there is no such 👎 or it already
        has a reason. `gap_event_id` (the event the 👎 recorded) gets the reason too, when it
        is that user's feedback event.
        """

    async def gaps_recorded_since(self, user_hash: str, since: datetime) -> int:
        """Gap events by this user at or after `since` (the per-user hourly cap)."""

    # -- curation ----------------------------------------------------------------------
    async def list_gaps(
        self,
        status: GapStatus | str | None = GapStatus.OPEN,
        surface: str | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> list[GapGroup]:
        """Groups ranked by count (then most recent); `status=None` means all."""

    async def count_gaps(
        self, status: GapStatus | str | None = GapStatus.OPEN, surface: str | None = None
    ) -> int:
        """How many groups `list_gaps` would page through."""

    async def get_gap(self, gap_id: int) -> GapGroup | None:
        """One group, or None."""

    async def list_gap_events(self, gap_id: int, limit: int = 50) -> list[StoredGapEvent]:
        """The individual events of a group, oldest first."""

    async def resolve_gap(
        self, gap_id: int, entry_id: str, curator_hash: str, question: str | None = None
    ) -> GapGroup:
        """Close an open group as answered by `entry_id` and store its question as an alias.

        `question` overrides the sample text (a curator may tidy the phrasing). Raises
        `GapNotFound` / `GapNotOpen`. Storage does not know the knowledge: check the entry
        exists (e.g. `AnswerService.add_alias`) before calling.
        """

    async def dismiss_gap(self, gap_id: int, reason: str | None, curator_hash: str) -> GapGroup:
        """Close an open group without an answer. Raises `GapNotFound` / `GapNotOpen`."""

    async def add_alias(self, entry_id: str, question: str, curator_hash: str) -> bool:
        """Teach an entry a phrasing; False if that exact alias already exists."""

    async def list_aliases(self) -> list[Alias]:
        """All curator-added phrasings, by entry id then insertion order."""

    async def stats(self, top: int = 5) -> Stats:
        """Totals for `/kb stats`."""

    # -- configuration -----------------------------------------------------------------
    async def guild_config(self, guild_id: int) -> GuildConfig:
        """This guild's settings (defaults when never set)."""

    async def set_curator_role(self, guild_id: int, role_id: int | None) -> None:
        """Set or clear the role that may curate in this guild."""

    # -- privacy -----------------------------------------------------------------------
    async def purge(self, older_than: datetime) -> int:
        """Delete gap events, feedback and question-log rows older than `older_than`.

        Groups left empty are removed and the others re-summarised, so no question text
        outlives retention through a group's sample. Returns the rows deleted.
        """

    async def forget_user(self, user_hash: str) -> int:
        """Delete every row tied to this user; clear their hash from curation records.

        Returns the number of rows deleted or cleared.
        """


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(when: datetime | None) -> datetime:
    """`when` in UTC (now if None); naive datetimes are refused (see module docstring)."""
    if when is None:
        return utcnow()
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("storage needs timezone-aware datetimes (use datetime.now(UTC))")
    return when.astimezone(UTC)


#: Longest 👎 reason kept: the offered reasons are short codes; free text is cut here.
MAX_REASON_CHARS = 100


def cap_reason(reason: FeedbackReason | str) -> str:
    """The stored form of a 👎 reason: trimmed, at most `MAX_REASON_CHARS`, never empty."""
    return str(reason).strip()[:MAX_REASON_CHARS] or str(FeedbackReason.OTHER)


def cap_question(text: str) -> str:
    """The stored form of a question: trimmed and at most `MAX_QUESTION_CHARS` long.

    A lone surrogate (JSON can escape one) has no UTF-8 form, so SQLite would refuse the
    whole row; it is stored as U+FFFD instead. So are leading NULs: SQLite's length() ends a
    text at its first NUL, so a question starting with one would fail the length check.
    """
    capped = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c
                     for c in text.strip()[:MAX_QUESTION_CHARS])
    rest = capped.lstrip("\x00")
    return "\ufffd" * (len(capped) - len(rest)) + rest
