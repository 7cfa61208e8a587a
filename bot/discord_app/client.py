"""The discord.py client for policybot, and the one place that points it at Discord.

`create_bot` is called from the composition root (`launch.py`) with everything already
built (settings, answer service, optional storage), so constructing a bot never reads the
environment and tests can build one against a fake Discord with a fixture knowledge.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.core.service import AnswerService
from bot.discord_app import formatting, guards, respond, views
from bot.discord_app.prerendered import AnswerComponents
from bot.discord_app.records import Records
from bot.discord_app.tasks import Housekeeping
from bot.discord_app.tree import PolicyTree
from bot.settings import DEFAULT_API, DEFAULT_GATEWAY, Settings

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord_app.exts.ask",
    "bot.discord_app.exts.surfaces",
    "bot.discord_app.exts.reference",
    "bot.discord_app.exts.privacy",
    "bot.discord_app.exts.curation",
)


def point_discord_at(settings: Settings) -> None:
    """Send all of discord.py's REST and gateway traffic to the configured endpoints.

    discord.py builds every REST, webhook and interaction-callback URL from
    `discord.http.Route.BASE`, and a non-sharded client connects straight to
    `DiscordWebSocket.DEFAULT_GATEWAY` (it never asks `GET /gateway`); both are
    process-wide class attributes, so they are set here, once, before a client starts.
    Reconnects then use the `resume_gateway_url` the gateway itself hands out. Auto-sharded
    bots are covered in `PolicyBotMixin.setup_hook`.
    """
    discord.http.Route.BASE = settings.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def intents() -> discord.Intents:
    """Guilds and guild messages only; no privileged intents.

    Without `message_content` Discord still delivers the text of messages that mention the
    bot, which is all the mention path needs.
    """
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    return chosen


class PolicyBotMixin:
    """Behaviour shared by the plain and the auto-sharded bot."""

    settings: Settings
    service: AnswerService
    records: Records
    sync_on_start: bool
    tree: PolicyTree
    guards: guards.QuestionGuard
    housekeeping: Housekeeping
    cards: formatting.AnswerCards
    components: AnswerComponents

    def _init_policybot(
        self, settings: Settings, service: AnswerService, records: Records, sync_on_start: bool
    ) -> None:
        self.settings = settings
        self.service = service
        self.records = records
        self.sync_on_start = sync_on_start
        self.guards = guards.QuestionGuard(
            settings.cooldown_seconds, settings.duplicate_window_seconds,
            burst=settings.cooldown_burst,
        )
        self.housekeeping = Housekeeping(records, settings.retention_days)
        self.cards = formatting.AnswerCards()
        self.components = AnswerComponents()

    async def setup_hook(self) -> None:
        bot: Any = self
        bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        guards.install(bot)
        self.cards.warm(self.service.knowledge)
        self.components.warm(self.service.knowledge)
        if isinstance(self, commands.AutoShardedBot) and self.shard_count is None:
            # Auto-sharding asks GET /gateway/bot and would then connect to the URL Discord
            # returns, bypassing POLICYBOT_DISCORD_GATEWAY. Taking only the shard count
            # from it makes every shard connect to DEFAULT_GATEWAY, i.e. the setting.
            self.shard_count, _url, _limits = await bot.http.get_bot_gateway()
            log.info("auto-sharding: %d shard(s)", self.shard_count)
        if self.sync_on_start:
            for guild_id in self.settings.sync_guilds:
                await sync_commands(bot, guild_id)
        self.housekeeping.start()

    async def close(self) -> None:
        """Stop the heartbeat and purge first, so neither writes to storage being closed.

        The buffered question counts are written last, once the gateway is closed and no
        new question can add to them (the composition root closes storage after the bot).
        """
        await self.housekeeping.stop()
        await super().close()  # type: ignore[misc]
        await self.records.close()

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: Any
    ) -> None:
        respond.log_interaction(interaction, command.qualified_name)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions are answered by the Ask cog's listener instead."""

    async def on_ready(self) -> None:
        bot: Any = self
        log.info("connected to %d guild(s) as the policybot application", len(bot.guilds))


class PolicyBot(PolicyBotMixin, commands.Bot):
    """The bot for a single gateway connection."""

    def __init__(
        self,
        settings: Settings,
        service: AnswerService,
        records: Records,
        *,
        sync_on_start: bool = True,
        **options: Any,
    ) -> None:
        self._init_policybot(settings, service, records, sync_on_start)
        super().__init__(**_bot_options(options))


class ShardedPolicyBot(PolicyBotMixin, commands.AutoShardedBot):
    """The same bot, sharded: chosen when POLICYBOT_SHARDS is set."""

    def __init__(
        self,
        settings: Settings,
        service: AnswerService,
        records: Records,
        *,
        sync_on_start: bool = True,
        **options: Any,
    ) -> None:
        self._init_policybot(settings, service, records, sync_on_start)
        shard_count = settings.shards or None  # 0 means "ask Discord"
        super().__init__(shard_count=shard_count, **_bot_options(options))


def _bot_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "command_prefix": commands.when_mentioned,
        "help_command": None,
        "intents": intents(),
        "allowed_mentions": discord.AllowedMentions.none(),
        "tree_cls": PolicyTree,
        "max_messages": None,
        "chunk_guilds_at_startup": False,
        **options,
    }


def create_bot(
    settings: Settings,
    service: AnswerService,
    storage: Any | None = None,
    *,
    sync_on_start: bool = True,
    **options: Any,
) -> PolicyBot | ShardedPolicyBot:
    """Build the bot from already-built parts; the only constructor front ends should use."""
    point_discord_at(settings)
    if settings.gateway_url != DEFAULT_GATEWAY or settings.api_base != DEFAULT_API:
        log.info("using a non-default Discord endpoint")
    hasher = None
    if storage is not None:
        from bot.storage.hashing import UserHasher

        hasher = UserHasher.from_settings(settings)
    records = Records(
        storage, hasher=hasher, gaps_per_user_per_hour=settings.gaps_per_user_per_hour
    )
    cls = ShardedPolicyBot if settings.shards is not None else PolicyBot
    return cls(settings, service, records, sync_on_start=sync_on_start, **options)


async def sync_commands(bot: commands.Bot, guild_id: int | None = None) -> list[Any]:
    """Register the commands with Discord: globally, or copied into one guild (development)."""
    if guild_id is None:
        synced = await bot.tree.sync()
        log.info("synced %d global command(s)", len(synced))
        return synced
    guild = discord.Object(id=guild_id)
    bot.tree.copy_global_to(guild=guild)
    synced = await bot.tree.sync(guild=guild)
    log.info("synced %d command(s) to a development guild", len(synced))
    return synced
