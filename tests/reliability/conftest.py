"""Fixtures for the reliability suite: a fault-injecting fake Discord, the shipped knowledge."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fakediscord.faults import FaultyDiscord
from harness import check_messages

from bot.knowledge.loader import load_knowledge
from bot.knowledge.locate import bundled_knowledge_dir
from bot.knowledge.model import Knowledge


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(bundled_knowledge_dir())


@pytest.fixture
async def fake() -> AsyncIterator[FaultyDiscord]:
    """The fake Discord; afterwards, no unknown route, invalid body, ping or broken embed."""
    async with FaultyDiscord() as server:
        yield server
        assert not server.unknown, [(r.method, r.path) for r in server.unknown]
        assert not server.problems, "invalid requests:\n" + "\n".join(server.problems)
        assert not check_messages(server), check_messages(server)
