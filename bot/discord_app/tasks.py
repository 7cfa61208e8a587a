"""Background upkeep while the bot runs: the health heartbeat and the retention purge.

Both are plain asyncio tasks owned by one object, started in `setup_hook` and cancelled in
`close`, so they live exactly as long as the bot. They go through `Records`, which turns a
storage outage into one warning (shared with question recording) rather than a warning
every 30 seconds, and never raises: a dead database must not kill the bot that can still
answer from the knowledge.

The purge is the same call `policybot purge` makes (`bot.storage.purge_expired`), so the
command line and the bot cannot disagree about the cut-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.discord_app.records import Records
from bot.storage.base import utcnow

log = logging.getLogger(__name__)

#: `policybot health` treats a heartbeat older than a few intervals as a dead bot.
HEARTBEAT_SECONDS = 30.0
#: Retention is counted in days; purging every few hours keeps rows at most that much over.
PURGE_SECONDS = 6 * 3600.0


class Housekeeping:
    """Runs the heartbeat and the purge on their intervals; `clock` is injectable for tests."""

    def __init__(
        self,
        records: Records,
        retention_days: int,
        *,
        heartbeat_every: float = HEARTBEAT_SECONDS,
        purge_every: float = PURGE_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.records = records
        self.retention_days = retention_days
        self.heartbeat_every = heartbeat_every
        self.purge_every = purge_every
        self.clock = clock
        self.purged_total = 0
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self._tasks)

    def start(self) -> None:
        """Start both loops (idempotent); nothing to do without storage."""
        if self.records.storage is None or self.running:
            return
        self._tasks = [
            asyncio.create_task(self._every(self.heartbeat_every, self.beat), name="pb-heartbeat"),
            asyncio.create_task(self._every(self.purge_every, self.purge), name="pb-purge"),
        ]

    async def stop(self) -> None:
        """Cancel both loops and wait for them, so none outlives the storage it writes to."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def beat(self) -> None:
        await self.records.heartbeat(self.clock())

    async def purge(self) -> None:
        removed = await self.records.purge_expired(self.retention_days, self.clock())
        if removed:
            self.purged_total += removed
            log.info("retention: purged %d row(s) older than %d days", removed, self.retention_days)

    @staticmethod
    async def _every(seconds: float, job: Callable[[], object]) -> None:
        """Run `job` now and then every `seconds`; an unexpected error is logged, not fatal."""
        while True:
            try:
                await job()  # type: ignore[misc]
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background job failed; it will run again")
            await asyncio.sleep(seconds)
