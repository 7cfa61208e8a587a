"""docs/DEPLOY.md checked against the code it describes, so the deployment guide cannot drift:
the invite's permission integer is the sum of the permissions it lists, every setting the
code reads is documented, and every `policybot` verb it tells people to run exists."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import discord
import pytest

from bot.__main__ import build_parser

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "DEPLOY.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def permission_rows(doc: str) -> dict[str, int]:
    """`| Name (`API_NAME`) | bit | why |` rows of the permissions table: API name -> bit."""
    rows = re.findall(r"^\| [A-Za-z ]+ \(`([A-Z_]+)`\) \| (\d+) \|", doc, flags=re.MULTILINE)
    return {name: int(bit) for name, bit in rows}


def test_permission_integer_is_the_sum_of_the_listed_permissions(doc: str) -> None:
    rows = permission_rows(doc)
    assert rows, "no permissions table"
    chosen = discord.Permissions.none()
    for name, bit in rows.items():
        flag = name.lower()
        assert getattr(discord.Permissions, flag).flag == bit, name
        setattr(chosen, flag, True)
    invite = re.search(r"scope=bot\+applications\.commands&permissions=(\d+)", doc)
    assert invite is not None, "no invite URL with both scopes"
    assert int(invite.group(1)) == chosen.value
    assert f"`{chosen.value}` in total" in doc


def test_no_privileged_intent_is_requested() -> None:
    """The guide promises Presence, Members and Message Content can stay off."""
    from bot.discord_app.client import intents

    chosen = intents()
    assert not (chosen.presences or chosen.members or chosen.message_content)


def test_every_setting_the_code_reads_is_documented(doc: str) -> None:
    source = (REPO / "bot" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"\"((?:POLICYBOT|DISCORD)_[A-Z_]+)\"", source))
    assert "DISCORD_TOKEN" in names and "POLICYBOT_DB" in names
    table = {m for m in re.findall(r"^\| `([A-Z_]+)` \|", doc, flags=re.MULTILINE)}
    assert names <= table, f"undocumented: {sorted(names - table)}"
    assert table <= names, f"documented but never read: {sorted(table - names)}"


def code_text(doc: str) -> str:
    """Only what the guide tells people to type: fenced blocks and inline code spans."""
    fenced = re.findall(r"^```[a-z]*\n(.*?)^```", doc, flags=re.MULTILINE | re.DOTALL)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", doc, flags=re.M | re.S))
    return "\n".join(fenced + inline)


def test_every_policybot_verb_in_the_guide_exists(doc: str) -> None:
    # `docker exec policybot X` runs program X in the container named policybot; after
    # `docker run ... policybot` (the image, whose entry point is policybot) comes a verb.
    code = code_text(doc).replace("docker exec policybot ", "docker exec ")
    used = set(re.findall(r"\bpolicybot ([a-z]+)\b", code))
    assert {"run", "sync", "health", "purge", "gaps", "aliases", "kb"} <= used
    verbs = {
        name
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }
    assert used <= verbs, f"not policybot commands: {sorted(used - verbs)}"
