"""Run a real discord.py client against the fake for the length of a `with` block."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord


@contextlib.asynccontextmanager
async def started(client: discord.Client, token: str, *,
                  ready_within: float = 10.0) -> AsyncIterator[asyncio.Task[None]]:
    """Start `client` as a task, wait until it is ready, and close it cleanly afterwards.

    A client that fails during login or the handshake re-raises its error here instead of
    leaving the test waiting for a readiness that never comes.
    """
    task = asyncio.create_task(client.start(token))
    try:
        async with asyncio.timeout(ready_within):
            while not client.is_ready():
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield task
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
