"""Validate request bodies the bot sends against Discord's published OpenAPI description.

The fake checks every body it receives, so a malformed embed or component fails the test
that caused it instead of surfacing first as a 400 from the real Discord in production.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parent / "openapi-subset.json"
_URI = "urn:discord-openapi"

#: Callback types whose body has a more specific schema than the route's `anyOf`.
_CALLBACK_SCHEMAS = {
    4: "CreateMessageInteractionCallbackRequest",
    5: "CreateMessageInteractionCallbackRequest",
    6: "UpdateMessageInteractionCallbackRequest",
    7: "UpdateMessageInteractionCallbackRequest",
    8: "ApplicationCommandAutocompleteCallbackRequest",
}


@cache
def _registry() -> Registry:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    # The published schema types snowflakes as strings only, but Discord accepts integers
    # too and discord.py sends them (e.g. in message_reference), so allow both here.
    schemas = spec["components"]["schemas"]
    schemas["SnowflakeType"] = {
        "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
    }
    return Registry().with_resource(_URI, Resource.from_contents(spec, DRAFT202012))


@cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{_URI}#{pointer}"}, registry=_registry())


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def body_pointer(template: str, method: str) -> str:
    """JSON pointer to the JSON request-body schema of one operation."""
    return (
        f"/paths/{_escape(template)}/{method.lower()}/requestBody/content/application~1json/schema"
    )


def validate_body(template: str, method: str, body: Any) -> list[str]:
    """Problems with `body` for the operation, as readable strings (empty when valid)."""
    pointers = [body_pointer(template, method)]
    if template.endswith("/callback") and isinstance(body, dict):
        specific = _CALLBACK_SCHEMAS.get(body.get("type"))
        if specific:
            pointers.append(f"/components/schemas/{specific}")
    problems: list[str] = []
    for pointer in pointers:
        for error in _validator(pointer).iter_errors(body):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            problems.append(f"{method.upper()} {template}: {where}: {error.message[:300]}")
    return problems


def _name_char_ok(char: str) -> bool:
    if char in "-_'":
        return True
    category = unicodedata.category(char)
    if category[0] in "LN":
        return True
    name = unicodedata.name(char, "")
    return name.startswith(("DEVANAGARI", "THAI"))


def command_name_problems(command: dict) -> list[str]:
    """Check Discord's documented naming rule for chat-input commands and their options.

    The OpenAPI file has no pattern for names, so this encodes
    `^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`, lowercase where the script has case.
    Context-menu commands (types 2 and 3) may use spaces and capitals and are only length-checked.
    """
    problems: list[str] = []

    def check(name: str, what: str) -> None:
        if not 1 <= len(name) <= 32:
            problems.append(f"{what} {name!r}: length must be 1-32")
        elif not all(_name_char_ok(c) for c in name):
            problems.append(f"{what} {name!r}: characters outside Discord's name rule")
        elif name != name.lower():
            problems.append(f"{what} {name!r}: must be lowercase")

    kind = command.get("type", 1)
    name = command.get("name", "")
    if kind == 1:
        check(name, "command")
        stack = list(command.get("options") or [])
        while stack:
            option = stack.pop()
            check(option.get("name", ""), f"option of {name}")
            stack.extend(option.get("options") or [])
    elif not 1 <= len(name) <= 32:
        problems.append(f"context menu {name!r}: length must be 1-32")
    if kind == 1 and not 1 <= len(command.get("description", "")) <= 100:
        problems.append(f"command {name!r}: description must be 1-100 characters")
    return problems
