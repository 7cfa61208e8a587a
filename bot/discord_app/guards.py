"""Abuse guards for questions: a per-user cooldown and duplicate suppression per channel.

Both live in memory on purpose. They protect a busy channel for seconds to minutes, so
losing them on a restart costs nothing, and keeping them out of storage means a flood of
questions never turns into a flood of database writes. Neither keeps question text or a
user id longer than its window, and neither is ever logged.

The cooldown is attached, as an `app_commands` check, to the commands that take a question
(`/ask`, the per-surface commands when given a question, and the "Ask policybot" menu), so
it refuses before any matching work is done; the mention path asks the guard directly.
Duplicate suppression needs the matcher's normalised question, so `respond` consults it
after matching and before replying.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.result import Outcome, Result
from bot.discord_app import formatting
from bot.errors import PolicybotError

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)

#: Upper bounds on remembered keys, so a flood of distinct users or questions cannot grow
#: memory without limit; the oldest entries go first (they are the first to expire anyway).
MAX_TRACKED_USERS = 50_000
MAX_TRACKED_ANSWERS = 10_000


class TooSoon(PolicybotError, app_commands.CheckFailure):
    """A question inside the asker's cooldown; the tree shows `user_message` ephemerally.

    It is an `app_commands.CheckFailure` so discord.py routes it to `PolicyTree.on_error`,
    and a `PolicybotError` so the sentence shown comes from `formatting`.
    """

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__("question cooldown", user_message=formatting.cooldown(retry_after))


def question_key(result: Result) -> str:
    """What "the same question" means: the matcher's normalised form, within its surface.

    Two phrasings that normalise alike are the same question; the same words asked about two
    different products are not.
    """
    normalised = result.explanation.normalised if result.explanation else ""
    if not normalised:
        normalised = " ".join(result.question.casefold().split())
    return f"{result.surface or '-'}\x1f{normalised}"


class QuestionGuard:
    """Per-user cooldown and per-channel duplicate suppression, with an injectable clock."""

    def __init__(
        self,
        cooldown_seconds: float,
        duplicate_window_seconds: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cooldown_seconds = max(cooldown_seconds, 0.0)
        self.duplicate_window_seconds = max(duplicate_window_seconds, 0.0)
        self.burst = max(burst, 1)
        self._clock = clock
        #: Per user, the times of their recent questions (at most `burst`), oldest first.
        self._recent: OrderedDict[int, tuple[float, ...]] = OrderedDict()
        self._answers: OrderedDict[tuple[int, str], tuple[float, str]] = OrderedDict()

    # ------------------------------------------------------------------ cooldown
    def wait_for(self, user_id: int) -> float:
        """Seconds this user must still wait before asking again (0 when they may ask).

        A member may ask `burst` questions within `cooldown_seconds` (a quick follow-up is
        normal); the next waits until the oldest of those leaves the window.
        """
        if self.cooldown_seconds <= 0:
            return 0.0
        recent = self._recent.get(user_id, ())
        if len(recent) < self.burst:
            return 0.0
        return max(0.0, recent[0] + self.cooldown_seconds - self._clock())

    def admit(self, user_id: int) -> float:
        """Count the question if the user may ask now; else return the seconds left.

        Checking and counting in one call matters: interactions from one user arriving
        together must not all pass.
        """
        wait = self.wait_for(user_id)
        if wait > 0:
            return wait
        if self.cooldown_seconds > 0:
            now = self._clock()
            window = self.cooldown_seconds
            kept = tuple(t for t in self._recent.get(user_id, ()) if now - t < window)
            self._recent[user_id] = (*kept, now)[-self.burst :]
            self._recent.move_to_end(user_id)
            self._trim(self._recent, MAX_TRACKED_USERS, self.cooldown_seconds)
        return 0.0

    # ------------------------------------------------------------------ duplicates
    def earlier_answer(self, channel_id: int | None, result: Result) -> str | None:
        """The jump link of a public answer to the same question in this channel, if recent.

        Only answers are suppressed: a repeated unanswerable question is still a signal for
        the curators (the per-user gap cap limits floods), and "did you mean" buttons are
        per person.
        """
        if self.duplicate_window_seconds <= 0 or channel_id is None:
            return None
        if result.outcome != Outcome.ANSWER:
            return None
        found = self._answers.get((channel_id, question_key(result)))
        if found is None:
            return None
        at, jump_url = found
        if self._clock() - at > self.duplicate_window_seconds:
            del self._answers[(channel_id, question_key(result))]
            return None
        return jump_url

    def answered(self, channel_id: int | None, result: Result, jump_url: str | None) -> None:
        """Remember a public answer's message so repeats can point to it."""
        if self.duplicate_window_seconds <= 0 or channel_id is None or not jump_url:
            return
        if result.outcome != Outcome.ANSWER:
            return
        key = (channel_id, question_key(result))
        self._answers[key] = (self._clock(), jump_url)
        self._answers.move_to_end(key)
        self._trim(self._answers, MAX_TRACKED_ANSWERS, self.duplicate_window_seconds)

    def _trim(self, table: OrderedDict[Any, Any], limit: int, window: float) -> None:
        """Drop expired entries from the old end, and anything beyond `limit`."""
        now = self._clock()
        while table:
            _key, value = next(iter(table.items()))
            at = value[-1] if table is self._recent else value[0]
            if len(table) > limit or now - at > window:
                table.popitem(last=False)
            else:
                break


# ---------------------------------------------------------------------------- wiring
def _guard_of(interaction: discord.Interaction) -> QuestionGuard | None:
    return getattr(interaction.client, "guards", None)


async def question_check(interaction: discord.Interaction) -> bool:
    """`app_commands` check: refuse a question inside the asker's cooldown.

    A surface command without a question shows an overview card, which is not a question
    and is not limited.
    """
    guard = _guard_of(interaction)
    if guard is None:
        return True
    command = interaction.command
    if isinstance(command, app_commands.Command) and not getattr(
        interaction.namespace, "question", None
    ):
        return True
    wait = guard.admit(interaction.user.id)
    if wait > 0:
        raise TooSoon(wait)
    return True


def install(bot: commands.Bot) -> None:
    """Attach the cooldown check to every question-taking command of the Ask and Surfaces cogs.

    Named explicitly (not "every command with a `question` option") so curator commands
    that happen to take a question, such as resolving a gap, are never rate-limited.
    """
    targets: list[app_commands.Command[Any, ..., Any] | app_commands.ContextMenu] = []
    ask = bot.get_cog("Ask")
    if ask is not None:
        targets += [ask.ask_command, ask.menu]  # type: ignore[attr-defined]
    surfaces = bot.get_cog("Surfaces")
    if surfaces is not None:
        targets += list(surfaces.commands_by_surface)  # type: ignore[attr-defined]
    for command in targets:
        if question_check not in command.checks:
            command.add_check(question_check)
