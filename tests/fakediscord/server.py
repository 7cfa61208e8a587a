"""A fake Discord on loopback: REST routes plus a gateway WebSocket, recording everything.

The real discord.py client talks to it over real sockets, so the tests exercise the same
serialisation, routing and state handling as production. Any route it does not know is
recorded in `unknown` (and answered 404) so the test that triggered it fails; every body
it receives for a documented route is validated against Discord's OpenAPI description.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads
from .schema import command_name_problems, validate_body

API_PREFIX = "/api/v10"
JSON_TYPE = "application/json"  # exactly: discord.py rejects "; charset=utf-8" at login
EPHEMERAL = 64

Handler = Callable[["Request", dict[str, str]], Awaitable[web.StreamResponse]]


@dataclass
class Request:
    """One request the bot made, as recorded by the fake."""

    method: str
    path: str  # below /api/v10
    query: dict[str, str]
    body: Any
    route: str | None = None  # the matched template, None for unknown routes
    params: dict[str, str] = field(default_factory=dict)
    message_id: int | None = None  # the message this request created, if any
    files: dict[str, bytes] = field(default_factory=dict)  # multipart uploads by filename

    @property
    def token(self) -> str | None:
        """The interaction token this request belongs to, if any."""
        return self.params.get("interaction_token") or self.params.get("webhook_token")


@dataclass
class Reply:
    """What a person would see for one interaction: the message body and how it was sent."""

    callback_type: int
    body: dict[str, Any]
    ephemeral: bool
    message_id: int | None
    requests: list[Request]

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.body.get("embeds") or []

    @property
    def embed(self) -> dict[str, Any]:
        return self.embeds[0]

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.body.get("components") or []

    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", []) if c["type"] == 2]

    def selects(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", []) if c["type"] == 3]

    def files(self) -> dict[str, bytes]:
        """Attachments uploaded with the visible message (multipart), by filename."""
        sent = [r for r in self.requests if r.files and r.body is not None]
        return dict(sent[-1].files) if sent else {}

    def text(self) -> str:
        """All visible text of the message, for loose assertions."""
        parts = [self.body.get("content") or ""]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for f in embed.get("fields") or []:
                parts += [f["name"], f["value"]]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(parts)


@dataclass(frozen=True)
class RoleOption:
    """A role given as a slash-command option (type 8), sent with its `resolved` payload."""

    role: dict[str, Any]


@dataclass
class Interaction:
    """An interaction the fake injected, with everything the bot did in response."""

    id: int
    token: str
    payload: dict[str, Any]
    original_message_id: int | None = None


class _Gateway:
    """One connected gateway session (one shard)."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.seq = 0
        self.shard: tuple[int, int] = (0, 1)
        self.session_id = ""
        self.identified = asyncio.Event()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        await self.ws.send_str(json.dumps({"op": 0, "t": event, "s": self.seq, "d": data}))


class FakeDiscord:
    """The fake server. Use `async with FakeDiscord() as fake:` and point the bot at it."""

    def __init__(self) -> None:
        self.app_id = payloads.snowflake()
        self.bot_user = payloads.user(payloads.snowflake(), "policybot", bot=True)
        self.guild_id = payloads.snowflake()
        self.channel_id = payloads.snowflake()
        self.member_user = payloads.user(payloads.snowflake(), "asker")
        self.requests: list[Request] = []
        self.unknown: list[Request] = []
        self.problems: list[str] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> commands
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[str, Interaction] = {}  # token -> interaction
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.shard_count = 1
        #: When set, REST calls must carry `Authorization: Bot <token>`, else 401 (login fails).
        self.expected_token: str | None = None
        self._gateways: list[_Gateway] = []
        self._changed = asyncio.Condition()
        self._tokens = itertools.count(1)
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._add_routes()

    # ----------------------------------------------------------------- lifecycle
    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        for gw in list(self._gateways):
            with contextlib.suppress(Exception):
                await gw.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """The environment variables that point `policybot run` at this fake."""
        return {
            "POLICYBOT_DISCORD_API": self.api_base,
            "POLICYBOT_DISCORD_GATEWAY": self.gateway_url,
        }

    # ----------------------------------------------------------------- waiting
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked whenever anything is recorded)."""

        async def waiter() -> Any:
            async with self._changed:
                while not (value := predicate()):
                    await self._changed.wait()
                return value

        return await asyncio.wait_for(waiter(), within)

    async def wait_ready(self, shards: int = 1, within: float = 10.0) -> None:
        """Wait until `shards` sessions have identified and received their guilds."""
        await self.wait_for(
            lambda: sum(gw.identified.is_set() for gw in self._gateways) >= shards, within
        )

    def sync_requests(self) -> list[Request]:
        return [r for r in self.requests if r.route and r.route.endswith("/commands")]

    # ----------------------------------------------------------------- REST
    def _add_routes(self) -> None:
        def add(method: str, template: str, handler: Handler) -> None:
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            self._routes.append((method, re.compile(f"^{pattern}$"), template, handler))

        add("GET", "/users/@me", self._get_me)
        add("GET", "/oauth2/applications/@me", self._get_app)
        add("GET", "/gateway", self._get_gateway)
        add("GET", "/gateway/bot", self._get_gateway_bot)
        add("PUT", "/applications/{application_id}/commands", self._put_commands)
        add("GET", "/applications/{application_id}/commands", self._get_commands)
        add("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands)
        add("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._get_commands)
        add(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self._callback,
        )
        add("POST", "/webhooks/{webhook_id}/{webhook_token}", self._followup)
        for suffix in ("@original", "{message_id}"):
            template = "/webhooks/{webhook_id}/{webhook_token}/messages/" + suffix
            add("GET", template, self._webhook_message)
            add("PATCH", template, self._webhook_message)
            add("DELETE", template, self._webhook_message)
        add("POST", "/channels/{channel_id}/messages", self._channel_message)

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        return web.Response(
            body=json.dumps(data).encode(), status=status, headers={"Content-Type": JSON_TYPE}
        )

    async def _read_body(self, request: web.Request) -> tuple[Any, dict[str, bytes]]:
        """The JSON body (or multipart `payload_json`) and any uploaded files by filename."""
        if not request.can_read_body:
            return None, {}
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            raw = form.get("payload_json")
            files = {
                part.filename: part.file.read()
                for part in form.values()
                if isinstance(part, web.FileField)
            }
            return (json.loads(raw) if isinstance(raw, str) else None), files
        text = await request.text()
        return (json.loads(text) if text else None), {}

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        sub = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path
        body, files = await self._read_body(request)
        record = Request(request.method, sub, dict(request.query), body, files=files)
        chosen: Handler | None = None
        for method, pattern, template, handler in self._routes:
            found = pattern.match(sub)
            if method == request.method and found:
                record.route, record.params, chosen = template, found.groupdict(), handler
                break
        self.requests.append(record)
        authorised = request.headers.get("Authorization") == f"Bot {self.expected_token}"
        token_free = sub.startswith(("/interactions/", "/webhooks/"))
        if self.expected_token is not None and not token_free and not authorised:
            await self._notify()
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        if chosen is None or not path.startswith(API_PREFIX):
            self.unknown.append(record)
            await self._notify()
            return self._json({"message": "404: Not Found", "code": 0}, 404)
        if body is not None and request.method in {"POST", "PATCH", "PUT"}:
            problems = validate_body(record.route, request.method, body)
            if problems:
                self.problems.extend(problems)
                await self._notify()
                return self._json({"message": "Invalid Form Body", "code": 50035}, 400)
        try:
            return await chosen(record, record.params)
        finally:
            await self._notify()

    async def _get_me(self, _r: Request, _p: dict[str, str]) -> web.Response:
        return self._json({**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_app(self, _r: Request, _p: dict[str, str]) -> web.Response:
        return self._json(
            {
                "id": str(self.app_id),
                "name": "policybot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.member_user,
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "interactions_endpoint_url": None,
                "rpc_origins": [],
            }
        )

    async def _get_gateway(self, _r: Request, _p: dict[str, str]) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _get_gateway_bot(self, _r: Request, _p: dict[str, str]) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _put_commands(self, r: Request, p: dict[str, str]) -> web.Response:
        scope = p.get("guild_id", "global")
        echoed = []
        for command in r.body or []:
            self.problems.extend(command_name_problems(command))
            echoed.append(
                {
                    "description": "",
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    "id": str(payloads.snowflake()),
                    "application_id": str(self.app_id),
                    "version": str(payloads.snowflake()),
                    **({"guild_id": scope} if scope != "global" else {}),
                }
            )
        self.commands[scope] = echoed
        return self._json(echoed)

    async def _get_commands(self, _r: Request, p: dict[str, str]) -> web.Response:
        return self._json(self.commands.get(p.get("guild_id", "global"), []))

    def _store(self, body: dict[str, Any], *, interaction: Interaction | None) -> dict:
        channel_id = self.channel_id
        if interaction is not None:
            channel_id = int(interaction.payload.get("channel_id", channel_id))
        msg = payloads.message(
            message_id=payloads.snowflake(),
            channel_id=channel_id,
            guild_id=self.guild_id,
            author={**self.bot_user, "bot": True},
            body=body,
            application_id=self.app_id if interaction else None,
            webhook_id=self.app_id if interaction else None,
            message_type=20 if interaction else 0,
        )
        self.messages[int(msg["id"])] = msg
        return msg

    async def _callback(self, r: Request, p: dict[str, str]) -> web.Response:
        inter = self.interactions.get(p["interaction_token"])
        if inter is None or str(inter.id) != p["interaction_id"]:
            self.problems.append(f"callback for an unknown interaction {p['interaction_id']}")
            return self._json({"message": "Unknown interaction", "code": 10062}, 404)
        if any(x.route and x.route.endswith("/callback") for x in self._for(inter)[:-1]):
            self.problems.append(f"interaction {inter.id} acknowledged twice")
            return self._json({"message": "Interaction has already been acknowledged."}, 400)
        kind = r.body["type"]
        data = r.body.get("data") or {}
        message: dict[str, Any] | None = None
        if kind in (4, 5):
            message = self._store(data, interaction=inter)
            inter.original_message_id = r.message_id = int(message["id"])
        elif kind in (6, 7):
            source = inter.payload.get("message") or {}
            message = self.messages.get(int(source.get("id", 0)))
            if message is not None and kind == 7:
                message.update(
                    {k: v for k, v in data.items() if k in {"content", "embeds", "components"}}
                )
            inter.original_message_id = int(source.get("id", 0)) or None
        if r.query.get("with_response") not in {"1", "true", "True"}:
            return web.Response(status=204)
        result: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.payload["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
            },
        }
        if message is not None:
            result["resource"] = {"type": kind, "message": message}
        return self._json(result)

    def _for(self, inter: Interaction) -> list[Request]:
        return [x for x in self.requests if x.token == inter.token]

    async def _followup(self, r: Request, p: dict[str, str]) -> web.Response:
        inter = self.interactions.get(p["webhook_token"])
        if inter is None or p["webhook_id"] != str(self.app_id):
            self.problems.append("followup for an unknown interaction token")
            return self._json({"message": "Unknown Webhook", "code": 10015}, 404)
        msg = self._store(r.body or {}, interaction=inter)
        r.message_id = int(msg["id"])
        if r.query.get("wait") in {"1", "true", "True"}:
            return self._json(msg)
        return web.Response(status=204)

    async def _webhook_message(self, r: Request, p: dict[str, str]) -> web.StreamResponse:
        inter = self.interactions.get(p["webhook_token"])
        if inter is None:
            self.problems.append("webhook message for an unknown interaction token")
            return self._json({"message": "Unknown Webhook", "code": 10015}, 404)
        raw = p.get("message_id")
        message_id = inter.original_message_id if raw is None else int(raw)
        msg = self.messages.get(message_id or 0)
        if msg is None:
            return self._json({"message": "Unknown Message", "code": 10008}, 404)
        if r.method == "DELETE":
            self.messages.pop(int(msg["id"]), None)
            return web.Response(status=204)
        if r.method == "PATCH":
            body = r.body or {}
            msg.update({k: v for k, v in body.items() if k in {"content", "embeds", "components"}})
            msg["edited_timestamp"] = payloads.now_iso()
        return self._json(msg)

    async def _channel_message(self, r: Request, p: dict[str, str]) -> web.Response:
        msg = self._store(r.body or {}, interaction=None)
        r.message_id = int(msg["id"])
        msg["channel_id"] = p["channel_id"]
        return self._json(msg)

    # ----------------------------------------------------------------- gateway
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        gw = _Gateway(ws)
        self._gateways.append(gw)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    await self._identify(gw, frame["d"])
                elif op == 6:
                    self.resumes.append(frame["d"])
                    gw.seq = int(frame["d"].get("seq") or 0)
                    gw.session_id = frame["d"]["session_id"]
                    await gw.dispatch("RESUMED", {})
                    gw.identified.set()
                    await self._notify()
        finally:
            if gw in self._gateways:
                self._gateways.remove(gw)
        return ws

    async def _identify(self, gw: _Gateway, data: dict[str, Any]) -> None:
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        shard = data.get("shard") or [0, 1]
        gw.shard = (int(shard[0]), int(shard[1]))
        gw.session_id = f"session-{payloads.snowflake()}"
        mine = self._guild_shard(gw.shard[1]) == gw.shard[0]
        await gw.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": str(self.guild_id), "unavailable": True}] if mine else [],
                "session_id": gw.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": list(gw.shard),
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        if mine:
            members = [
                payloads.member(self.member_user),
                payloads.member(self.bot_user),
            ]
            channel = payloads.text_channel(self.channel_id, self.guild_id)
            await gw.dispatch("GUILD_CREATE", payloads.guild(self.guild_id, channel, members))
        gw.identified.set()
        await self._notify()

    def _guild_shard(self, count: int) -> int:
        return (self.guild_id >> 22) % max(count, 1)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway session with a resumable code, as Discord does on restarts."""
        for gw in list(self._gateways):
            gw.identified.clear()
            await gw.ws.close(code=code)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the session that owns the fake guild."""
        for gw in self._gateways:
            if gw.identified.is_set() and gw.shard[0] == self._guild_shard(gw.shard[1]):
                await gw.dispatch(event, data)
                return
        raise AssertionError("no identified gateway session owns the guild")

    # ----------------------------------------------------------------- injection
    def _user(self, user: dict[str, Any] | None) -> dict[str, Any]:
        return user or self.member_user

    def _base(
        self,
        kind: int,
        data: dict[str, Any],
        user: dict | None,
        permissions: str | None = None,
        roles: tuple[str, ...] = (),
    ) -> Interaction:
        """An interaction from `user` whose member has `permissions` (default: a plain member)
        and `roles` (role ids)."""
        inter_id = payloads.snowflake()
        token = f"itoken-{next(self._tokens)}-{inter_id}"
        payload: dict[str, Any] = {
            "id": str(inter_id),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "attachment_size_limit": 10485760,
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id),
            "channel": payloads.text_channel(self.channel_id, self.guild_id),
            "member": {
                **payloads.member(
                    self._user(user), permissions=permissions or payloads.MEMBER_PERMISSIONS
                ),
                "roles": list(roles),
            },
            "app_permissions": payloads.ALL_PERMISSIONS,
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "data": data,
        }
        inter = Interaction(inter_id, token, payload)
        self.interactions[token] = inter
        return inter

    def _command_data(self, name: str, kind: int) -> dict[str, Any]:
        guild_cmds = self.commands.get(str(self.guild_id), [])
        for cmd in guild_cmds:
            if cmd["name"] == name and cmd.get("type", 1) == kind:
                return {"id": cmd["id"], "name": name, "type": kind, "guild_id": str(self.guild_id)}
        for cmd in self.commands.get("global", []):
            if cmd["name"] == name and cmd.get("type", 1) == kind:
                return {"id": cmd["id"], "name": name, "type": kind}
        return {"id": str(payloads.snowflake()), "name": name, "type": kind}

    def _command_path(
        self, name: str, options: dict[str, Any], focused: str | None = None
    ) -> dict[str, Any]:
        """Command data for `name`, which may name a subcommand: "gaps list", "kb config role".

        Subcommands nest their options as Discord does (group type 2, subcommand type 1), and
        role options get their `resolved` roles.
        """
        top, *subs = name.split()
        data = self._command_data(top, 1)
        leaf = self._options(options, focused)
        for depth, sub in reversed(list(enumerate(subs))):
            kind = 1 if depth == len(subs) - 1 else 2
            leaf = [{"name": sub, "type": kind, "options": leaf}]
        data["options"] = leaf
        roles = {str(v.role["id"]): v.role for v in options.values() if isinstance(v, RoleOption)}
        if roles:
            data["resolved"] = {"roles": roles}
        return data

    @staticmethod
    def _options(options: dict[str, Any], focused: str | None = None) -> list[dict]:
        out = []
        for name, value in options.items():
            kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
            if isinstance(value, RoleOption):
                kind, value = 8, str(value.role["id"])
            option: dict[str, Any] = {"name": name, "type": kind, "value": value}
            if name == focused:
                option["focused"] = True
            out.append(option)
        return out

    async def slash(
        self,
        name: str,
        user: dict | None = None,
        *,
        as_member: tuple[str | None, tuple[str, ...]] = (None, ()),
        **options: Any,
    ) -> Interaction:
        """Inject a slash command (interaction type 2) with the given option values.

        `name` may be a subcommand path ("gaps list"); `as_member` is (permissions, role ids).
        """
        data = self._command_path(name, options)
        inter = self._base(2, data, user, *as_member)
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def autocomplete(
        self,
        name: str,
        focused: str,
        *,
        as_member: tuple[str | None, tuple[str, ...]] = (None, ()),
        **options: Any,
    ) -> Interaction:
        """Inject an autocomplete request (type 4) with `focused` as the typed option."""
        data = self._command_path(name, options, focused)
        inter = self._base(4, data, None, *as_member)
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def click(
        self,
        message_id: int,
        custom_id: str,
        *,
        values: list[str] | None = None,
        user: dict | None = None,
        as_member: tuple[str | None, tuple[str, ...]] = (None, ()),
    ) -> Interaction:
        """Inject a component interaction (type 3): a button, or a select when `values`."""
        message = self.messages[message_id]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if values is not None:
            data.update(component_type=3, values=values)
        inter = self._base(3, data, user, *as_member)
        inter.payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    def user_message(
        self, content: str, *, author: dict | None = None, mentions: list | None = None
    ) -> dict:
        """A message a member posted in the channel, as the gateway would deliver it."""
        msg = payloads.message(
            message_id=payloads.snowflake(),
            channel_id=self.channel_id,
            guild_id=self.guild_id,
            author=author or self.member_user,
            body={"content": content},
        )
        msg["mentions"] = mentions or []
        msg["member"] = payloads.member(None)
        self.messages[int(msg["id"])] = msg
        return msg

    async def context_menu(self, name: str, target: dict[str, Any]) -> Interaction:
        """Inject a message context-menu command (type 2, data type 3) on `target`."""
        data = self._command_data(name, 3)
        data.update(target_id=target["id"], resolved={"messages": {target["id"]: target}})
        inter = self._base(2, data, None)
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def post_message(
        self, content: str, *, author: dict | None = None, mention_bot: bool = False
    ) -> dict[str, Any]:
        """Deliver MESSAGE_CREATE for a member's message, optionally mentioning the bot."""
        mentions = [{**self.bot_user, "member": payloads.member(None)}] if mention_bot else []
        msg = self.user_message(content, author=author, mentions=mentions)
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def create_role(self, name: str) -> dict[str, Any]:
        """Create a guild role (GUILD_ROLE_CREATE), as a server admin would; its payload."""
        created = payloads.role(payloads.snowflake(), name)
        await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(self.guild_id), "role": created})
        return created

    # ----------------------------------------------------------------- reading replies
    def bot_message(self, body: dict[str, Any]) -> dict[str, Any]:
        """Store a message as if the bot had sent `body` earlier (e.g. before a restart)."""
        return self._store(body, interaction=None)

    def requests_for(self, inter: Interaction) -> list[Request]:
        return self._for(inter)

    async def reply(self, inter: Interaction, within: float = 5.0) -> Reply:
        """Wait for the message the person sees for `inter` (after any deferral)."""

        def visible() -> Reply | None:
            reqs = self._for(inter)
            callbacks = [x for x in reqs if x.route and x.route.endswith("/callback")]
            if not callbacks:
                return None
            cb = callbacks[0].body
            kind = cb["type"]
            data = cb.get("data") or {}
            flags = data.get("flags") or 0
            if kind in (4, 7, 8):
                return Reply(kind, data, bool(flags & EPHEMERAL), inter.original_message_id, reqs)
            later = [x for x in reqs if x.route and x.route.startswith("/webhooks/")]
            later = [x for x in later if x.method in {"POST", "PATCH"}]
            if not later:
                return None
            body = later[-1].body or {}
            mid = later[-1].message_id or inter.original_message_id
            if later[-1].method == "POST":
                flags = body.get("flags") or 0
            return Reply(kind, body, bool(flags & EPHEMERAL), mid, reqs)

        return await self.wait_for(visible, within)

    async def channel_reply(self, to: dict[str, Any], within: float = 5.0) -> Request:
        """Wait for the bot's channel message that replies to the member message `to`."""

        def found() -> Request | None:
            for x in self.requests:
                if x.route == "/channels/{channel_id}/messages" and x.method == "POST":
                    ref = (x.body or {}).get("message_reference") or {}
                    if str(ref.get("message_id")) == to["id"]:
                        return x
            return None

        return await self.wait_for(found, within)


def message_bodies(fake: FakeDiscord) -> list[dict[str, Any]]:
    """Every body that created or edited a visible message."""
    out = []
    for r in fake.requests:
        if not r.route or not isinstance(r.body, dict):
            continue
        if r.route.endswith("/callback") and r.body.get("type") in (4, 7):
            out.append(r.body.get("data") or {})
        elif r.route == "/channels/{channel_id}/messages" or (
            r.route.startswith("/webhooks/") and r.method in {"POST", "PATCH"}
        ):
            out.append(r.body)
    return out
