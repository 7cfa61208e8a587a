"""The CommandTree subclass that turns every failure into one short, safe sentence.

Handling errors in one place (rather than per command) guarantees the same behaviour for
every slash command, context menu and component: a domain error (`PolicybotError`) shows its
`user_message`; anything else is logged with its traceback and the person sees one generic
line. Exception text never reaches a user, because it can hold paths, ids or tokens.
"""

from __future__ import annotations

import logging
import time

import discord
from discord import app_commands

from bot.discord_app import formatting
from bot.errors import PolicybotError

log = logging.getLogger(__name__)

STARTED = "policybot.started"


def user_message_for(error: BaseException) -> str:
    """The sentence a person sees for `error`."""
    original = getattr(error, "original", None) or getattr(error, "__cause__", None)
    for candidate in (error, original):
        if isinstance(candidate, PolicybotError):
            return candidate.user_message
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    return formatting.GENERIC_ERROR


async def report_error(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """Log `error` appropriately and tell the person, ephemerally, in one sentence."""
    message = user_message_for(error)
    if message == formatting.GENERIC_ERROR:
        log.error("error in %s", where, exc_info=error)
    else:
        log.warning("%s refused: %s", where, type(getattr(error, "original", error)).__name__)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver the error message for %s", where)


class PolicyTree(app_commands.CommandTree):
    """Application-command tree with policybot's error handling and latency stamp."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        interaction.extras.setdefault(STARTED, time.perf_counter())
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "unknown command"
        await report_error(interaction, error, f"/{name}")
