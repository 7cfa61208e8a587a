"""Curation end to end: the real bot, composed as `policybot run` composes it (SQLite file from
settings, aliases loaded at start), driven through the fake Discord by plain members and
curators, and checked from the console verbs on the same database file."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import discord
import pytest
from conftest import TOKEN
from fakediscord import FakeDiscord, Reply, RoleOption
from fakediscord import payloads as fake_payloads
from fakediscord.running import started
from support import UNANSWERABLE, pick

from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.discord_app import formatting, launch
from bot.discord_app.client import PolicyBot, ShardedPolicyBot, create_bot
from bot.discord_app.curation_views import review_items
from bot.discord_app.records import placeholder_question
from bot.errors import NotCurator, StorageUnavailable
from bot.knowledge.locate import bundled_knowledge_dir
from bot.knowledge.model import Knowledge
from bot.settings import Settings
from bot.storage import GapEvent, GapStatus, ScoredCandidate

REPO = Path(__file__).resolve().parents[2]
MANAGE_GUILD = str(
    int(fake_payloads.MEMBER_PERMISSIONS) | discord.Permissions(manage_guild=True).value
)
CURATOR = (MANAGE_GUILD, ())
REFUSED = NotCurator.user_message


@dataclass
class Curated:
    """A bot started from settings with its SQLite file, as the composition root builds it."""

    bot: PolicyBot | ShardedPolicyBot
    fake: FakeDiscord
    settings: Settings

    @property
    def service(self) -> AnswerService:
        return self.bot.service

    @property
    def storage(self) -> Any:
        return self.bot.records.storage


def member(fake: FakeDiscord, name: str) -> dict[str, Any]:
    return fake_payloads.user(fake_payloads.snowflake(), name)


@contextlib.asynccontextmanager
async def start_curated(
    fake: FakeDiscord,
    tmp_path: Path,
    *,
    knowledge_dir: Path | None = None,
    knowledge: Knowledge | None = None,
    review_age_days: int = 180,
) -> AsyncIterator[Curated]:
    """Storage from `settings.database`, service with the stored aliases, then the bot."""
    settings = Settings(
        token=TOKEN,
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        data_dir=tmp_path,
        db_path=tmp_path / "bot.sqlite3",
        knowledge_dir=knowledge_dir,
        sync_guilds=(fake.guild_id,),
        hash_key=b"test-key-for-the-curation-tests",
        cooldown_seconds=0.0,
        duplicate_window_seconds=0.0,
        review_age_days=review_age_days,
    )
    async with launch.open_storage(settings) as storage:
        aliases = [(a.entry_id, a.question) for a in await storage.list_aliases()]
        if knowledge is None:
            service = launch.build_service(settings, aliases)
        else:
            service = AnswerService(knowledge, aliases=aliases)
        bot = create_bot(settings, service, storage, guild_ready_timeout=0.05)
        async with started(bot, TOKEN):
            yield Curated(bot, fake, settings)


@pytest.fixture
async def curated(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Curated]:
    async with start_curated(fake, tmp_path) as run:
        yield run


async def as_curator(fake: FakeDiscord, name: str, **options: Any) -> Reply:
    return await fake.reply(await fake.slash(name, as_member=CURATOR, **options))


def gap_ids(reply: Reply) -> list[int]:
    return [int(i) for i in re.findall(r"\*\*#(\d+)\*\*", reply.embed.get("description", ""))]


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        PYTHONPATH=str(REPO),
        POLICYBOT_DATA_DIR=str(settings.data_dir),
        POLICYBOT_DB=str(settings.database),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=True,
    )


async def seed_gap(run: Curated, question: str, user: str = "seed-user") -> int:
    record = await run.storage.record_gap(
        GapEvent(question, user, "none", candidates=(ScoredCandidate("x", 10.0),))
    )
    return record.group_id


# ----------------------------------------------------------------------------- registration
async def test_curator_groups_are_guild_only_and_hidden_from_members(curated: Curated) -> None:
    synced = {c["name"]: c for c in curated.fake.commands[str(curated.fake.guild_id)]}
    manage = str(discord.Permissions(manage_guild=True).value)
    for name, subs in (
        ("gaps", {"list", "resolve", "dismiss", "export"}),
        ("kb", {"reload", "stats", "review", "config"}),
    ):
        command = synced[name]
        assert str(command["default_member_permissions"]) == manage
        assert command.get("dm_permission") is False or command.get("contexts") == [0]
        assert {o["name"] for o in command["options"]} == subs
    config = next(o for o in synced["kb"]["options"] if o["name"] == "config")
    (role_command,) = config["options"]
    assert role_command["name"] == "curator-role"
    assert role_command["options"][0]["type"] == 8  # a role option
    resolve = next(o for o in synced["gaps"]["options"] if o["name"] == "resolve")
    options = {o["name"]: o for o in resolve["options"]}
    assert options["gap"]["type"] == 4 and options["entry"]["autocomplete"] is True
    assert options["phrasing"].get("required", False) is False


# ----------------------------------------------------------------------------- done when
async def test_done_when_flow_gap_counted_refused_resolved_answered_and_exported(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with start_curated(fake, tmp_path) as run:
        first, second, third = (member(fake, n) for n in ("first", "second", "third"))
        reply = await fake.reply(await fake.slash("ask", first, question=UNANSWERABLE))
        assert reply.embed["title"] == "No sourced answer yet"
        reply = await fake.reply(await fake.slash("ask", second, question=UNANSWERABLE))
        assert reply.embed["title"] == "No sourced answer yet"

        refused = await fake.reply(await fake.slash("gaps list", first))
        assert refused.ephemeral and refused.body["content"] == REFUSED
        assert not refused.embeds

        listing = await as_curator(fake, "gaps list")
        assert listing.ephemeral
        (gap,) = gap_ids(listing)
        assert "asked 2×" in listing.embed["description"]
        assert UNANSWERABLE in listing.embed["description"]

        typed = await fake.reply(
            await fake.autocomplete("gaps resolve", "entry", as_member=CURATOR, gap=gap, entry="")
        )
        choices = typed.body["choices"]
        assert 1 <= len(choices) <= 25
        entry_id = choices[0]["value"]
        assert entry_id in run.service.knowledge.entries
        title = run.service.knowledge.entries[entry_id].title
        assert choices[0]["name"].startswith(title[:50])
        hidden = await fake.reply(
            await fake.autocomplete("gaps resolve", "entry", gap=gap, entry="")
        )
        assert hidden.body["choices"] == []  # nothing for a plain member either

        resolved = await as_curator(fake, "gaps resolve", gap=gap, entry=entry_id)
        assert resolved.ephemeral
        assert f"Gap #{gap} resolved" in resolved.body["content"]
        assert f"`{entry_id}`" in resolved.body["content"]
        assert "answered that way for everyone" in resolved.body["content"]

        answered = await fake.reply(await fake.slash("ask", third, question=UNANSWERABLE))
        assert answered.embed["title"] == title
        assert answered.embed["footer"]["text"].endswith(f"entry {entry_id}")

        exported = await asyncio.to_thread(run_cli, run.settings, "aliases", "export")
        assert {"id": entry_id, "questions": [UNANSWERABLE]} in _yaml(exported.stdout)["entries"]
        listed = await asyncio.to_thread(
            run_cli, run.settings, "gaps", "list", "--json", "--status", "all"
        )
        (row,) = [g for g in json.loads(listed.stdout) if g["id"] == gap]
        assert row["status"] == "resolved" and row["resolved_entry_id"] == entry_id
        assert row["count"] == 2


def _yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


# ----------------------------------------------------------------------------- access
async def test_curator_role_lets_a_member_in_and_clearing_it_shuts_them_out(
    curated: Curated,
) -> None:
    fake = curated.fake
    role = await fake.create_role("curators")
    with_role = (None, (role["id"],))
    before = await fake.reply(await fake.slash("gaps list", as_member=with_role))
    assert before.body["content"] == REFUSED

    chosen = await as_curator(fake, "kb config curator-role", role=RoleOption(role))
    assert chosen.ephemeral and "curators role" in chosen.body["content"]
    assert (await curated.storage.guild_config(fake.guild_id)).curator_role_id == int(role["id"])

    allowed = await fake.reply(await fake.slash("gaps list", as_member=with_role))
    assert allowed.embed["title"].startswith("Open gaps")
    stats = await fake.reply(await fake.slash("kb stats", as_member=with_role))
    assert stats.embed["title"] == "policybot statistics"
    plain = await fake.reply(await fake.slash("gaps list"))
    assert plain.body["content"] == REFUSED
    escalate = await fake.reply(
        await fake.slash("kb config curator-role", as_member=with_role, role=RoleOption(role))
    )
    assert escalate.body["content"] == formatting.NOT_MANAGER

    cleared = await as_curator(fake, "kb config curator-role")
    assert "cleared" in cleared.body["content"]
    after = await fake.reply(await fake.slash("gaps list", as_member=with_role))
    assert after.ephemeral and after.body["content"] == REFUSED
    for name in ("gaps export", "kb reload", "kb review", "kb stats"):
        refused = await fake.reply(await fake.slash(name, as_member=with_role))
        assert refused.ephemeral and refused.body["content"] == REFUSED, name
    refused = await fake.reply(await fake.slash("gaps dismiss", gap=1))
    assert refused.body["content"] == REFUSED


async def test_a_storage_outage_in_the_role_check_still_gets_one_sentence(
    curated: Curated, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(guild_id: int) -> None:
        raise StorageUnavailable("database is locked")

    monkeypatch.setattr(curated.storage, "guild_config", down)
    fake = curated.fake
    refused = await fake.reply(await fake.slash("gaps list"))
    assert refused.ephemeral and refused.body["content"] == StorageUnavailable.user_message
    typed = await fake.reply(await fake.autocomplete("gaps resolve", "entry", gap=1, entry=""))
    assert typed.body["choices"] == []
    manager = await as_curator(fake, "gaps list")  # Manage Server needs no database read
    assert manager.embed["title"].startswith("Open gaps")


# ----------------------------------------------------------------------------- /gaps
async def test_gaps_list_pages_for_its_curator_only(curated: Curated) -> None:
    fake = curated.fake
    for _ in range(23):
        await seed_gap(curated, f"{uuid.uuid4().hex} {uuid.uuid4().hex}")
    top = await seed_gap(curated, "asked most of all")
    await seed_gap(curated, "asked most of all", "another-user")
    curator = member(fake, "curator")
    first = await fake.reply(await fake.slash("gaps list", curator, as_member=CURATOR))
    assert first.embed["title"] == "Open gaps: 24"
    assert gap_ids(first)[0] == top and len(gap_ids(first)) == 10
    assert first.embed["footer"]["text"].startswith("Page 1 of 3")
    previous, following = first.buttons()
    assert previous["disabled"] and not following["disabled"]

    second = await fake.reply(
        await fake.click(first.message_id, following["custom_id"], user=curator, as_member=CURATOR)
    )
    assert second.callback_type == 7
    assert second.embed["footer"]["text"].startswith("Page 2 of 3")
    assert not set(gap_ids(first)) & set(gap_ids(second))

    onward = second.buttons()[1]["custom_id"]
    stranger = await fake.reply(await fake.click(first.message_id, onward, as_member=CURATOR))
    assert stranger.ephemeral and stranger.body["content"] == formatting.NOT_YOURS
    demoted = await fake.reply(await fake.click(first.message_id, onward, user=curator))
    assert demoted.ephemeral and demoted.body["content"] == REFUSED


async def test_gaps_dismiss_closes_once_and_filters_by_status(curated: Curated) -> None:
    fake = curated.fake
    gap = await seed_gap(curated, "please write me a poem about llamas")
    dismissed = await as_curator(fake, "gaps dismiss", gap=gap, reason="off topic")
    assert dismissed.ephemeral
    assert f"Gap #{gap}" in dismissed.body["content"] and "off topic" in dismissed.body["content"]
    assert (await curated.storage.get_gap(gap)).status == GapStatus.DISMISSED
    again = await as_curator(fake, "gaps dismiss", gap=gap)
    assert again.body["content"] == "That gap is already resolved or dismissed."
    missing = await as_curator(fake, "gaps dismiss", gap=999_999)
    assert missing.body["content"] == "There is no gap with that id."
    unknown_entry = await as_curator(fake, "gaps resolve", gap=gap, entry="no-such-entry")
    assert unknown_entry.body["content"] == "That gap is already resolved or dismissed."

    listing = await as_curator(fake, "gaps list", status="dismissed")
    assert gap_ids(listing) == [gap] and "dismissed: off topic" in listing.embed["description"]
    assert gap_ids(await as_curator(fake, "gaps list")) == []


async def test_gaps_resolve_refuses_an_unknown_entry_and_teaches_nothing(
    curated: Curated,
) -> None:
    gap = await seed_gap(curated, "zebra migration patterns in kenya")
    reply = await as_curator(curated.fake, "gaps resolve", gap=gap, entry="no-such-entry")
    assert reply.body["content"] == formatting.UNKNOWN_ENTRY_ID
    assert (await curated.storage.get_gap(gap)).status == GapStatus.OPEN
    assert curated.service.snapshot.aliases == ()


async def test_gaps_resolve_can_teach_the_curators_own_wording(curated: Curated) -> None:
    # A stranger's question may carry personal detail, and taught wordings are offered in
    # everyone's autocomplete: the curator can teach a tidied wording instead.
    asked = "my name is jane doe, jane@example.com, how long are zebra chats kept"
    gap = await seed_gap(curated, asked)
    tidy = "how long are zebra chats kept"
    reply = await as_curator(curated.fake, "gaps resolve", gap=gap, entry="ai-retention",
                             phrasing=f"  {tidy} ")
    assert f"“{tidy}”" in reply.body["content"] and "jane" not in reply.body["content"]
    assert curated.service.snapshot.aliases == (("ai-retention", tidy),)
    assert [(a.entry_id, a.question) for a in await curated.storage.list_aliases()] == [
        ("ai-retention", tidy)]


async def test_gaps_export_attaches_a_csv_with_formulas_defused(curated: Curated) -> None:
    hostile = "=cmd|' /C calc'!A0 does claude keep it"
    gap = await seed_gap(curated, hostile)
    await seed_gap(curated, "+SUM(1,2) how long are chats retained")
    reply = await as_curator(curated.fake, "gaps export")
    assert reply.ephemeral and "2 gap group(s)" in reply.body["content"]
    ((name, data),) = reply.files().items()
    assert name == f"policybot-gaps-{date.today().isoformat()}.csv"
    assert reply.body["attachments"][0]["filename"] == name
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[gap]["question"] == "'" + hostile
    assert all(not r["question"].startswith(("=", "+", "-", "@")) for r in rows)


# ----------------------------------------------------------------------------- /kb
def _break_and_extend(directory: Path, service: AnswerService) -> tuple[Path, str, int]:
    """The first entries file with its first `answer:` key misspelt; (file, entry id, line)."""
    path = sorted((directory / "entries").glob("*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("answer:"))
    entry_id = next(
        line.split("id:", 1)[1].strip()
        for line in reversed(lines[:index])
        if line.strip().startswith("- id:")
    )
    lines[index] = lines[index].replace("answer:", "answr:", 1)
    path.write_text("".join(lines), encoding="utf-8")
    assert entry_id in service.knowledge.entries
    return path, entry_id, index + 1


async def test_kb_reload_keeps_serving_on_problems_and_applies_a_valid_change(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    copy = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), copy)
    async with start_curated(fake, tmp_path, knowledge_dir=copy) as run:
        answerable = pick(run.service, Outcome.ANSWER)
        expected = run.service.ask(answerable).entry.id
        before = run.service.knowledge
        pristine = {p: p.read_text(encoding="utf-8") for p in (copy / "entries").glob("*.yaml")}

        path, entry_id, line = _break_and_extend(copy, run.service)
        refused = await as_curator(fake, "kb reload")
        assert refused.ephemeral and refused.callback_type == 5
        embed = refused.embed
        assert embed["title"].startswith("Knowledge not reloaded")
        assert f"entries/{path.name}:" in embed["description"]
        assert f"[{entry_id}]" in embed["description"] and "Fix:" in embed["description"]
        assert str(line) in embed["description"]
        assert len(embed["description"]) <= 4096
        assert run.service.knowledge is before
        still = await fake.reply(await fake.slash("ask", question=answerable))
        assert still.embed["footer"]["text"].endswith(f"entry {expected}")

        path.write_text(pristine[path], encoding="utf-8")
        text = pristine[path]
        marker = f"- id: {entry_id}\n"
        head, tail = text.split(marker, 1)
        indent = re.search(r"\n( +)- ", tail.split("questions:", 1)[1]).group(1)
        tail = tail.replace("questions:\n", f"questions:\n{indent}- {UNANSWERABLE}\n", 1)
        path.write_text(head + marker + tail, encoding="utf-8")
        assert run.service.ask(UNANSWERABLE).outcome == Outcome.NONE

        reloaded = await as_curator(fake, "kb reload")
        assert reloaded.embed["title"] == "Knowledge reloaded"
        fields = {f["name"]: f["value"] for f in reloaded.embed["fields"]}
        count = len(before.entries)
        assert fields["Entries"] == f"{count} → {count}"
        assert fields["Version"].split(" → ")[0] != fields["Version"].split(" → ")[1]
        answered = await fake.reply(await fake.slash("ask", question=UNANSWERABLE))
        assert answered.embed["footer"]["text"].endswith(f"entry {entry_id}")


async def test_kb_stats_counts_outcomes_votes_and_gaps(curated: Curated) -> None:
    fake = curated.fake
    # Counts wait in memory for their batch; /kb stats must write them first.
    curated.bot.records.count_flush_seconds = 3600.0
    answerable = pick(curated.service, Outcome.ANSWER)
    entry_id = curated.service.ask(answerable).entry.id
    voter, critic = member(fake, "voter"), member(fake, "critic")
    answer = await fake.reply(await fake.slash("ask", voter, question=answerable))
    await fake.reply(await fake.slash("ask", critic, question=answerable))
    await fake.reply(await fake.slash("ask", critic, question=UNANSWERABLE))
    up, down = answer.buttons()[:2]
    await fake.reply(await fake.click(answer.message_id, up["custom_id"], user=voter))
    await fake.reply(await fake.click(answer.message_id, down["custom_id"], user=critic))

    reply = await as_curator(fake, "kb stats")
    fields = {f["name"]: f["value"] for f in reply.embed["fields"]}
    assert reply.ephemeral
    assert fields["Questions seen"] == "3"
    assert fields["Answered / suggested / unanswered"] == "2 / 0 / 1"
    votes = fields["Votes per entry (most 👎 first)"]
    assert f"👍 1 · 👎 1 · `{entry_id}`" in votes
    top = next(v for k, v in fields.items() if k.startswith("Top open gaps"))
    assert UNANSWERABLE in top


async def test_kb_review_lists_entries_with_review_notes(
    fake: FakeDiscord, tmp_path: Path, shipped_knowledge: Knowledge
) -> None:
    noted = next(iter(shipped_knowledge.entries.values()))
    entries = {k: dataclasses.replace(e, review=None) for k, e in shipped_knowledge.entries.items()}
    entries[noted.id] = dataclasses.replace(noted, review="check the new retention wording")
    sources = {k: dataclasses.replace(s, review=None) for k, s in shipped_knowledge.sources.items()}
    knowledge = dataclasses.replace(
        shipped_knowledge, entries=Knowledge.freeze(entries), sources=Knowledge.freeze(sources)
    )
    async with start_curated(fake, tmp_path, knowledge=knowledge, review_age_days=36_500) as run:
        reply = await as_curator(fake, "kb review")
        assert reply.ephemeral
        assert reply.embed["title"] == "Due for review: 1 entry"
        assert f"`{noted.id}`" in reply.embed["description"]
        assert "review: check the new retention wording" in reply.embed["description"]
        assert not reply.buttons()
        run.bot.settings = dataclasses.replace(run.settings, review_age_days=0)
        paged = await as_curator(fake, "kb review")
        assert paged.embed["title"] == f"Due for review: {len(entries)} entries"
        nxt = paged.buttons()[1]
        other = member(fake, "other-curator")
        stranger = await fake.reply(
            await fake.click(paged.message_id, nxt["custom_id"], user=other, as_member=CURATOR)
        )
        assert stranger.ephemeral and stranger.body["content"] == formatting.NOT_YOURS
        page2 = await fake.reply(
            await fake.click(paged.message_id, nxt["custom_id"], as_member=CURATOR)
        )
        assert page2.callback_type == 7 and "Page 2 of" in page2.embed["footer"]["text"]


def test_review_items_reasons_and_order(shipped_knowledge: Knowledge) -> None:
    source = next(iter(shipped_knowledge.sources.values()))
    verified = date.fromisoformat(source.verified)
    later = date.fromordinal(verified.toordinal() + 10)
    stale = f"verified {source.verified}, 10 days ago"
    fresh = review_items(shipped_knowledge, 10, later)
    assert not any(stale in why for _, reasons in fresh for why in reasons)
    due = {e.id: reasons for e, reasons in review_items(shipped_knowledge, 9, later)}
    using = [e.id for e in shipped_knowledge.entries.values() if e.source == source.id]
    assert using and all(any(stale in why for why in due[i]) for i in using)
    noted = [e for e in shipped_knowledge.entries.values() if e.review]
    assert all(f"review: {e.review}" in due[e.id] for e in noted)


# ----------------------------------------------------------------------------- 👎 reason
async def test_a_down_vote_takes_one_reason_stored_with_the_vote_and_gap(
    curated: Curated,
) -> None:
    fake = curated.fake
    question = pick(curated.service, Outcome.ANSWER)
    answer = await fake.reply(await fake.slash("ask", question=question))
    down = answer.buttons()[1]
    thanks = await fake.reply(await fake.click(answer.message_id, down["custom_id"]))
    assert thanks.ephemeral and thanks.body["content"] == formatting.FEEDBACK_THANKS["down"]
    (select,) = thanks.selects()
    assert [o["value"] for o in select["options"]] == [
        "wrong_surface",
        "outdated",
        "did_not_answer",
        "other",
    ]
    assert select["placeholder"] == formatting.FEEDBACK_REASON_PROMPT
    picked = await fake.reply(
        await fake.click(thanks.message_id, select["custom_id"], values=["outdated"])
    )
    assert picked.callback_type == 7 and picked.body["content"].startswith("Noted: outdated")
    assert picked.body["components"] == []
    stale = fake.bot_message({"content": "still open elsewhere", "components": thanks.components})
    again = await fake.reply(
        await fake.click(int(stale["id"]), select["custom_id"], values=["other"])
    )
    assert again.body["content"] == formatting.FEEDBACK_REASON_ALREADY
    repeat = await fake.reply(await fake.click(answer.message_id, down["custom_id"]))
    assert repeat.body["content"] == formatting.FEEDBACK_ALREADY and not repeat.selects()

    (group,) = await curated.storage.list_gaps()
    (event,) = await curated.storage.list_gap_events(group.id)
    assert event.outcome == "feedback" and event.reason == "outdated"
    with sqlite3.connect(curated.settings.database) as db:
        rows = db.execute("SELECT vote, reason FROM feedback").fetchall()
    assert rows == [("down", "outdated")]


async def test_gaps_resolve_refuses_a_down_vote_without_a_question(curated: Curated) -> None:
    gap = await seed_gap(curated, placeholder_question("ai-retention"))
    reply = await as_curator(curated.fake, "gaps resolve", gap=gap, entry="ai-retention")
    assert reply.body["content"] == formatting.NOTHING_TO_TEACH
    assert (await curated.storage.get_gap(gap)).status == GapStatus.OPEN
    assert curated.service.snapshot.aliases == ()
