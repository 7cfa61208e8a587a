"""Fixtures that run the real policybot client against the loopback fake Discord."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakediscord import FakeDiscord
from fakediscord.running import started
from support import assert_no_pings

from bot.core.service import AnswerService
from bot.discord_app.client import PolicyBot, ShardedPolicyBot, create_bot
from bot.knowledge.loader import load_knowledge
from bot.knowledge.locate import bundled_knowledge_dir
from bot.knowledge.model import Knowledge
from bot.settings import Settings

FIXTURE_KNOWLEDGE = Path(__file__).resolve().parent / "knowledge_fixture"
TOKEN = "fake.bot-token.for-tests-0123456789"


@pytest.fixture(scope="session")
def shipped_knowledge() -> Knowledge:
    """The knowledge policybot ships: the end-to-end tests run against it."""
    return load_knowledge(bundled_knowledge_dir())


@pytest.fixture(scope="session")
def fixture_knowledge() -> Knowledge:
    """A tiny fictional vendor, proving nothing vendor-specific is hard-coded."""
    return load_knowledge(FIXTURE_KNOWLEDGE)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server
        assert not server.unknown, f"unknown routes: {[(r.method, r.path) for r in server.unknown]}"
        assert not server.problems, "invalid requests:\n" + "\n".join(server.problems)
        assert_no_pings(server)


@dataclass
class Running:
    """A started bot, its fake Discord and its service."""

    bot: PolicyBot | ShardedPolicyBot
    fake: FakeDiscord
    service: AnswerService

    @property
    def knowledge(self) -> Knowledge:
        return self.service.knowledge


@contextlib.asynccontextmanager
async def start_bot(
    fake: FakeDiscord,
    knowledge: Knowledge,
    *,
    storage: object | None = None,
    shards: int | None = None,
    sync: bool = True,
    cooldown_seconds: float = 0.0,
) -> AsyncIterator[Running]:
    """Start the real bot in-process against `fake`; close it cleanly afterwards.

    The cooldown is off by default because these tests ask many questions as one member in
    quick succession; the abuse guards have their own tests in `tests/reliability`.
    """
    settings = Settings(
        token=TOKEN,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        sync_guilds=(fake.guild_id,) if sync else (),
        shards=shards,
        hash_key=b"test-key-for-the-discord-tests",
        cooldown_seconds=cooldown_seconds,
    )
    service = AnswerService(knowledge)
    bot = create_bot(settings, service, storage, guild_ready_timeout=0.05)
    async with started(bot, TOKEN):
        yield Running(bot, fake, service)


@pytest.fixture
async def running(fake: FakeDiscord, shipped_knowledge: Knowledge) -> AsyncIterator[Running]:
    async with start_bot(fake, shipped_knowledge) as run:
        yield run


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog
