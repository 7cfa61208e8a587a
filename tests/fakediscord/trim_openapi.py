"""Regenerate `openapi-subset.json` from Discord's published OpenAPI description.

Run from the repository root: `python tests/fakediscord/trim_openapi.py PATH/TO/openapi.json`.
Only the request bodies the fake validates are kept, with every schema they reach, so the
vendored copy stays small and reviewable while remaining a verbatim extract (MIT, see LICENSE).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: (path template, method) pairs whose JSON request body the fake validates.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/interactions/{interaction_id}/{interaction_token}/callback", "post"),
    ("/webhooks/{webhook_id}/{webhook_token}", "post"),
    ("/webhooks/{webhook_id}/{webhook_token}/messages/@original", "patch"),
    ("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "patch"),
    ("/applications/{application_id}/commands", "put"),
    ("/applications/{application_id}/guilds/{guild_id}/commands", "put"),
    ("/channels/{channel_id}/messages", "post"),
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "openapi-subset.json"


def _refs(node: object, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def trim(spec: dict) -> dict:
    """Return a spec holding only OPERATIONS' JSON bodies and the schemas they reference."""
    paths: dict = {}
    for template, method in OPERATIONS:
        body = spec["paths"][template][method]["requestBody"]["content"]["application/json"]
        paths.setdefault(template, {})[method] = {
            "requestBody": {"content": {"application/json": body}}
        }
    schemas = spec["components"]["schemas"]
    wanted: set[str] = set()
    _refs(paths, wanted)
    done: set[str] = set()
    while wanted - done:
        name = sorted(wanted - done)[0]
        done.add(name)
        _refs(schemas[name], wanted)
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in sorted(done)}},
    }


def main(argv: list[str]) -> int:
    source = Path(argv[1] if len(argv) > 1 else "/work/shared/discord-api-spec/openapi.json")
    spec = json.loads(source.read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(trim(spec), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
