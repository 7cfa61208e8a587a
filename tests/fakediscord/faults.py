"""Fault injection for the fake Discord: rate limits, server errors, and timing of replies.

A subclass rather than switches in `server.py`, so the ordinary fake stays simple. A fault
answers a matching request before the normal handler sees it and is not recorded in
`requests` (it lands in `faulted`): for Discord a 429 or 5xx request did not happen, so the
retry that follows must not count as a second acknowledgement.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from .server import API_PREFIX, JSON_TYPE, FakeDiscord, Request


@dataclass
class Fault:
    """Answer the next `times` requests to `route` (a template of the fake) with `status`."""

    method: str
    route: str
    status: int
    retry_after: float = 0.0
    times: int = 1
    hits: list[Request] = field(default_factory=list)

    def response(self) -> web.Response:
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after}
            body["global"] = False
            headers = {
                "Content-Type": JSON_TYPE,
                "Retry-After": f"{self.retry_after:.3f}",
                "X-RateLimit-Scope": "user",
                # discord.py treats a 429 without `Via` as a Cloudflare ban, as Discord's own
                # 429s always carry it.
                "Via": "1.1 google",
            }
            return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)
        body = {"message": "Server error", "code": 0}
        return web.Response(
            body=json.dumps(body).encode(), status=self.status, headers={"Content-Type": JSON_TYPE}
        )


class FaultyDiscord(FakeDiscord):
    """The fake Discord plus queued faults and the arrival time of every callback."""

    def __init__(self) -> None:
        super().__init__()
        self.faults: list[Fault] = []
        self.faulted: list[Request] = []
        #: interaction token -> `time.perf_counter()` when its first callback arrived.
        self.acked_at: dict[str, float] = {}
        #: Called synchronously with the number of callbacks so far as each one arrives, so a
        #: test can act (e.g. SIGKILL the bot) at an exact point of a burst.
        self.on_ack: Callable[[int], None] | None = None

    def inject(self, method: str, route: str, status: int, **kwargs: float) -> Fault:
        fault = Fault(method, route, status, **kwargs)  # type: ignore[arg-type]
        self.faults.append(fault)
        return fault

    def _route_of(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        sub = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path
        for known_method, pattern, template, _handler in self._routes:
            found = pattern.match(sub)
            if known_method == method and found:
                return template, found.groupdict()
        return None

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        matched = self._route_of(request.method, request.path)
        if matched is not None:
            template, params = matched
            for fault in self.faults:
                if fault.times > 0 and (fault.method, fault.route) == (request.method, template):
                    fault.times -= 1
                    record = Request(request.method, request.path, dict(request.query), None)
                    record.route, record.params = template, params
                    fault.hits.append(record)
                    self.faulted.append(record)
                    await request.read()
                    await self._notify()
                    return fault.response()
            if template.endswith("/callback"):
                self.acked_at.setdefault(params["interaction_token"], time.perf_counter())
                if self.on_ack is not None:
                    self.on_ack(len(self.acked_at))
        return await super()._rest(request)

    def sessions(self) -> int:
        """Gateway connections still open (a killed bot's is gone once the fake sees EOF)."""
        return len(self._gateways)

    def acknowledged(self) -> set[str]:
        """Tokens of interactions whose callback reached the fake (what Discord calls acked)."""
        return {
            r.params["interaction_token"]
            for r in self.requests
            if r.route and r.route.endswith("/callback")
        }
