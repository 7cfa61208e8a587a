"""What the Discord front end remembers and records about questions, votes and clicks.

One object, `Records`, sits between the cogs and the optional storage backend, so the
buttons behave the same with or without a database: votes count once per user per answer
(in memory when there is no storage), gaps and suggestion clicks go to storage when it is
there, and a storage outage costs a warning in the log, never an answer. Raw user ids stop
here: they are turned into keyed hashes before anything is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.result import Outcome, Result
from bot.errors import PolicybotError, StorageUnavailable
from bot.storage import purge_expired
from bot.storage.base import GapEvent, QuestionCount, ScoredCandidate, utcnow

log = logging.getLogger(__name__)

#: Results kept for "Why this answer?"; older ones fall back to an entry-level explanation.
RECENT_RESULTS = 2048

#: Question counts (`/kb stats`) are buffered in memory and written together at most this
#: many seconds after the first of them, instead of one transaction per question. A crash
#: (SIGKILL, OOM, power cut) loses the counts of that last window; a clean stop, `/kb
#: stats` and `close()` write them first. Gaps, votes and clicks are never buffered.
COUNT_FLUSH_SECONDS = 1.0
#: A burst writes as soon as this many counts are waiting, which bounds both the buffer and
#: what a crash can lose.
COUNT_FLUSH_ROWS = 256


#: What a 👎 gap records when the asker's words are not known (e.g. after a restart).
_PLACEHOLDER = "(👎 on {entry})"


def placeholder_question(entry_id: str) -> str:
    return _PLACEHOLDER.format(entry=entry_id)


def is_placeholder(question: str) -> bool:
    """True for a 👎 gap without the asker's words: nothing a curator could teach."""
    prefix, _, suffix = _PLACEHOLDER.partition("{entry}")
    return question.startswith(prefix) and question.endswith(suffix)


@dataclass(frozen=True, slots=True)
class Asker:
    """Where a question came from. `user_id` is only ever hashed, never logged or stored."""

    user_id: int
    guild_id: int | None
    channel_id: int | None


def _process_hasher() -> Callable[[int], str]:
    """Without storage, hashes only need to be stable for this process (in-memory votes)."""
    key = secrets.token_bytes(32)
    return lambda user_id: hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()


class Records:
    """Recording hooks used by every cog and view (and by the curation cogs in issue 5).

    `storage` is any object implementing `bot.storage.base.Storage` (or None). Methods never
    raise for storage trouble: answering matters more than recording.
    """

    def __init__(
        self,
        storage: Any | None = None,
        *,
        hasher: Callable[[int], str] | None = None,
        gaps_per_user_per_hour: int | None = None,
        count_flush_seconds: float = COUNT_FLUSH_SECONDS,
    ) -> None:
        self.storage = storage
        #: 0 writes every count at once, as before batching (one transaction per question).
        self.count_flush_seconds = max(count_flush_seconds, 0.0)
        self._hasher = hasher or _process_hasher()
        self._gap_cap = gaps_per_user_per_hour
        #: True between the first failed storage call and the next one that succeeds, so an
        #: outage is logged once (not once per question) and its end is logged too.
        self.storage_down = False
        self._votes: set[tuple[str, str]] = set()
        #: The gap event each 👎 recorded, so a reason picked afterwards lands on it too.
        self._down_events: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._recent: OrderedDict[int, Result] = OrderedDict()
        self._counts: list[QuestionCount] = []
        self._count_timer: asyncio.TimerHandle | None = None
        self._count_writes: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ identity
    def user_hash(self, user_id: int) -> str:
        """Keyed hash of a Discord user id: what storage keeps instead of the id."""
        return self._hasher(user_id)

    # ------------------------------------------------------------------ recent results
    def remember(self, key: int, result: Result) -> None:
        """Keep `result` for the "Why this answer?" button of the message keyed `key`."""
        self._recent[key] = result
        self._recent.move_to_end(key)
        while len(self._recent) > RECENT_RESULTS:
            self._recent.popitem(last=False)

    def recall(self, key: int) -> Result | None:
        return self._recent.get(key)

    # ------------------------------------------------------------------ storage calls
    async def _safely(self, what: str, call: Any) -> Any:
        try:
            value = await call
        except StorageUnavailable as exc:
            if not self.storage_down:
                self.storage_down = True
                log.warning(
                    "storage unavailable (could not %s: %s); answering from the knowledge "
                    "without recording until it is back",
                    what,
                    type(exc).__name__,
                )
            else:
                log.debug("storage still unavailable: could not %s", what)
            return None
        except PolicybotError as exc:
            log.warning("storage could not %s: %s", what, type(exc).__name__)
            return None
        except Exception:
            log.exception("storage failed to %s", what)
            return None
        if self.storage_down:
            self.storage_down = False
            log.info("storage available again; recording resumed")
        return value

    # ------------------------------------------------------------------ privacy, upkeep
    async def forget(self, user_id: int) -> int | None:
        """Delete every stored row tied to this user (/forget-me); None if storage failed.

        In-memory votes go too, so the person can vote again on answers they rated.
        """
        user = self.user_hash(user_id)
        self._votes = {(key, who) for key, who in self._votes if who != user}
        if self.storage is None:
            return 0
        return await self._safely("forget a user", self.storage.forget_user(user))

    async def heartbeat(self, now: datetime | None = None) -> bool:
        """Tell `policybot health` the bot is alive; False when storage is unavailable."""
        if self.storage is None:
            return False
        await self._safely("write the heartbeat", self.storage.heartbeat(now))
        return not self.storage_down

    async def purge_expired(self, retention_days: int, now: datetime | None = None) -> int | None:
        """Apply the retention period; rows deleted, or None if storage failed."""
        if self.storage is None:
            return 0
        return await self._safely(
            "purge expired rows", purge_expired(self.storage, retention_days, now)
        )

    async def question(self, result: Result, asker: Asker) -> int | None:
        """Count the question; record a gap for none/suggest. Returns the gap event id."""
        await self.count(result, asker)
        return await self.gap(result, asker)

    async def count(self, result: Result, asker: Asker) -> None:
        """Count the question for `/kb stats` (no text, no user).

        The count is stamped now and buffered; see `COUNT_FLUSH_SECONDS` for when it is
        written and what a crash can lose.
        """
        if self.storage is None:
            return
        self._counts.append(
            QuestionCount(
                str(result.outcome),
                entry_id=result.entry.id if result.entry else None,
                surface=result.surface,
                guild_id=asker.guild_id,
                at=utcnow(),
            )
        )
        if self.count_flush_seconds <= 0 or len(self._counts) >= COUNT_FLUSH_ROWS:
            await self.flush_counts()
        elif self._count_timer is None:
            loop = asyncio.get_running_loop()
            self._count_timer = loop.call_later(self.count_flush_seconds, self._flush_due)

    @property
    def pending_counts(self) -> int:
        """Counts buffered and not yet handed to storage."""
        return len(self._counts)

    def _flush_due(self) -> None:
        self._count_timer = None
        task = asyncio.create_task(self.flush_counts(), name="pb-count-flush")
        self._count_writes.add(task)
        task.add_done_callback(self._count_writes.discard)

    async def flush_counts(self) -> None:
        """Write every buffered count in one transaction; a failed write drops them.

        Dropping matches what an unbuffered count did during an outage (it was lost and the
        outage logged once), and keeps a dead database from growing memory.
        """
        if self._count_timer is not None:
            self._count_timer.cancel()
            self._count_timer = None
        counts, self._counts = self._counts, []
        if not counts or self.storage is None:
            return
        await self._safely("count questions", self.storage.record_questions(counts))

    async def close(self) -> None:
        """Write what is buffered, after any write already under way; call before storage closes."""
        if self._count_timer is not None:
            self._count_timer.cancel()
            self._count_timer = None
        if self._count_writes:
            await asyncio.gather(*self._count_writes, return_exceptions=True)
        await self.flush_counts()

    async def gap(self, result: Result, asker: Asker) -> int | None:
        """Record a gap for none/suggest (subject to the hourly cap); the event id, or None.

        Nothing is recorded when nothing was asked ("yes", filler only): no gap to close.

        Split from `count` so a front end can make only this write before acknowledging.
        """
        if self.storage is None or result.outcome == Outcome.ANSWER or result.unasked:
            return None
        top = result.explanation.top if result.explanation else result.suggestions
        event = GapEvent(
            question=result.question,
            user_hash=self.user_hash(asker.user_id),
            outcome=str(result.outcome),
            normalised=result.explanation.normalised if result.explanation else "",
            surface=result.surface,
            guild_id=asker.guild_id,
            channel_id=asker.channel_id,
            candidates=tuple(ScoredCandidate(c.entry.id, c.score) for c in top),
        )
        record = await self._safely(
            "record a gap", self.storage.record_gap(event, hourly_cap=self._gap_cap)
        )
        return getattr(record, "event_id", None)

    async def suggestion_clicked(self, event_id: int | None, entry_id: str) -> None:
        """Note which "did you mean" candidate a person picked."""
        if self.storage is not None and event_id:
            await self._safely(
                "record a suggestion click",
                self.storage.record_suggestion_click(event_id, entry_id),
            )

    async def vote(
        self,
        answer_key: str,
        entry_id: str,
        asker: Asker,
        vote: str,
        question: str | None = None,
    ) -> bool:
        """Record a 👍/👎 once per user per answer; False when this user already voted."""
        user = self.user_hash(asker.user_id)
        if (answer_key, user) in self._votes:
            return False
        if self.storage is not None:
            stored = await self._safely(
                "record feedback",
                self.storage.record_feedback(answer_key, entry_id, user, vote),
            )
            if stored is False:
                self._votes.add((answer_key, user))
                return False
            if vote == "down":
                event_id = await self._feedback_gap(entry_id, asker, user, question)
                if event_id is not None:
                    self._down_events[(answer_key, user)] = event_id
                    while len(self._down_events) > RECENT_RESULTS:
                        self._down_events.popitem(last=False)
        self._votes.add((answer_key, user))
        return True

    async def feedback_reason(self, answer_key: str, asker: Asker, reason: str) -> bool:
        """Attach the reason picked after a 👎; False when there is nothing (more) to attach.

        Without storage there is nowhere to keep it, so it is only acknowledged.
        """
        if self.storage is None:
            return True
        user = self.user_hash(asker.user_id)
        stored = await self._safely(
            "record a feedback reason",
            self.storage.set_feedback_reason(
                answer_key, user, reason, self._down_events.get((answer_key, user))
            ),
        )
        return bool(stored)

    async def _feedback_gap(
        self, entry_id: str, asker: Asker, user: str, question: str | None
    ) -> int | None:
        event = GapEvent(
            question=question or placeholder_question(entry_id),
            user_hash=user,
            outcome="feedback",
            guild_id=asker.guild_id,
            channel_id=asker.channel_id,
            candidates=(ScoredCandidate(entry_id, 100.0),),
        )
        record = await self._safely("record a 👎 as a gap", self.storage.record_gap(event))
        return getattr(record, "event_id", None)
