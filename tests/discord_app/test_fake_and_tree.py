"""The fake Discord catches what real Discord would reject; the tree hides exception text."""

from __future__ import annotations

from unittest.mock import AsyncMock, MagicMock

import aiohttp
import discord
from fakediscord import FakeDiscord
from fakediscord.schema import command_name_problems, validate_body

from bot.discord_app import formatting
from bot.discord_app.tree import PolicyTree, report_error, user_message_for
from bot.errors import ConfigError


async def test_unknown_routes_are_recorded_and_json_type_is_exact() -> None:
    async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
        async with http.get(f"{fake.api_base}/users/@me") as resp:
            assert resp.headers["Content-Type"] == "application/json"
        async with http.get(f"{fake.api_base}/guilds/1/bans") as resp:
            assert resp.status == 404
        assert [(r.method, r.path) for r in fake.unknown] == [("GET", "/guilds/1/bans")]


def test_schema_rejects_over_limit_embeds_and_accepts_good_ones() -> None:
    route = "/interactions/{interaction_id}/{interaction_token}/callback"
    good = {"type": 4, "data": {"embeds": [{"title": "t"}], "allowed_mentions": {"parse": []}}}
    assert validate_body(route, "POST", good) == []
    bad = {"type": 4, "data": {"embeds": [{"title": "t" * 257}]}}
    assert validate_body(route, "POST", bad)
    too_many = {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}] * 26}}
    assert validate_body(route, "POST", too_many)


def test_command_name_rule() -> None:
    assert command_name_problems({"name": "claude-code", "description": "d"}) == []
    assert command_name_problems({"name": "Ask", "description": "d"})
    assert command_name_problems({"name": "has space", "description": "d"})
    assert command_name_problems({"name": "x" * 33, "description": "d"})
    assert command_name_problems({"name": "ok", "description": "d" * 101})
    assert command_name_problems({"name": "Ask policybot", "type": 3}) == []


def test_user_message_never_shows_exception_text() -> None:
    assert user_message_for(RuntimeError("token=abc")) == formatting.GENERIC_ERROR
    wrapped = discord.app_commands.CommandInvokeError(MagicMock(), ConfigError("x"))
    assert user_message_for(wrapped) == ConfigError.user_message


async def test_report_error_answers_ephemerally_once() -> None:
    response = AsyncMock(spec=discord.InteractionResponse)
    response.is_done = MagicMock(return_value=False)
    interaction = MagicMock(spec=discord.Interaction)
    interaction.response = response
    await report_error(interaction, ValueError("secret"), "/ask")
    response.send_message.assert_awaited_once_with(formatting.GENERIC_ERROR, ephemeral=True)


def test_tree_is_the_policybot_subclass() -> None:
    assert issubclass(PolicyTree, discord.app_commands.CommandTree)


async def test_report_error_uses_followup_after_a_deferral() -> None:
    response = AsyncMock(spec=discord.InteractionResponse)
    response.is_done = MagicMock(return_value=True)
    followup = AsyncMock(spec=discord.Webhook)
    interaction = MagicMock(spec=discord.Interaction)
    interaction.response, interaction.followup = response, followup
    await report_error(interaction, ValueError("secret"), "/ask")
    followup.send.assert_awaited_once_with(formatting.GENERIC_ERROR, ephemeral=True)
    response.send_message.assert_not_awaited()
