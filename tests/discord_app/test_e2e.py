"""End to end: the real bot, over real sockets, against the fake Discord and shipped knowledge."""

from __future__ import annotations

import asyncio
import logging
import re

import discord
import pytest
from conftest import TOKEN, Running, start_bot
from fakediscord import FakeDiscord
from support import UNANSWERABLE, pick, quote_field

from bot.core.result import Outcome
from bot.knowledge.loader import RESERVED_COMMAND_NAMES
from bot.knowledge.model import Knowledge
from bot.storage.memory import MemoryStorage

EPHEMERAL = 64
NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")


def assert_answer_card(embed: dict, run: Running, entry_id: str | None = None) -> None:
    """Title, answer, quote set off as a quote, https source link, verified date."""
    knowledge = run.knowledge
    footer = embed["footer"]["text"]
    found = re.search(r"entry ([a-z0-9-]+)", footer)
    assert found, footer
    entry = knowledge.entries[found.group(1)]
    if entry_id:
        assert entry.id == entry_id
    source = knowledge.sources[entry.source]
    assert embed["title"] == entry.title
    assert embed["description"] == entry.answer
    quote = quote_field(embed)["value"]
    assert all(line.startswith("> ") for line in quote.splitlines())
    assert entry.quote.split()[0] in quote
    links = [f["value"] for f in embed["fields"] if "](https://" in f["value"]]
    assert any(f"]({source.url})" in v for v in links)
    assert f"verified {source.verified}" in footer
    terms = next(f for f in embed["fields"] if f["name"] == "Terms")["value"]
    assert all(knowledge.terms[t].name in terms for t in entry.terms)


# ----------------------------------------------------------------------------- sync
async def test_guild_sync_registers_every_command(running: Running) -> None:
    fake = running.fake
    puts = [r for r in fake.sync_requests() if r.method == "PUT"]
    assert [r.params.get("guild_id") for r in puts] == [str(fake.guild_id)]
    names = {c["name"]: c for c in puts[0].body}
    surfaces = {s.command_name for s in running.knowledge.surfaces.values()}
    expected = {"ask", "compare", "sources", "Ask policybot", "privacy", "forget-me", *surfaces}
    expected |= {"gaps", "kb"}  # the curator groups, tested in test_curation.py
    assert expected == set(names)
    for name, command in names.items():
        if command.get("type", 1) == 1:
            assert NAME_RE.match(name) and 1 <= len(command["description"]) <= 100
    ask = {o["name"]: o for o in names["ask"]["options"]}
    assert ask["question"]["autocomplete"] is True and ask["question"]["required"] is True
    assert [c["value"] for c in ask["surface"]["choices"]] == list(running.knowledge.surfaces)
    assert ask["private"]["type"] == 5
    assert names["Ask policybot"]["type"] == 3


# ----------------------------------------------------------------------------- /ask
async def test_ask_answers_with_quote_link_and_date(running: Running) -> None:
    question = pick(running.service, Outcome.ANSWER)
    inter = await running.fake.slash("ask", question=question)
    reply = await running.fake.reply(inter)
    assert reply.callback_type == 4 and not reply.ephemeral
    assert_answer_card(reply.embed, running, running.service.ask(question).entry.id)
    buttons = reply.buttons()
    assert [b.get("emoji", {}).get("name") for b in buttons[:2]] == ["👍", "👎"]
    assert buttons[2]["label"] == "Why this answer?"
    assert buttons[3]["style"] == 5 and buttons[3]["url"].startswith("https://")
    assert all(len(row["components"]) <= 5 for row in reply.components)


async def test_ask_private_is_ephemeral(running: Running) -> None:
    question = pick(running.service, Outcome.ANSWER)
    inter = await running.fake.slash("ask", question=question, private=True)
    reply = await running.fake.reply(inter)
    assert reply.ephemeral and reply.body["flags"] & EPHEMERAL


async def test_ask_with_surface_gives_that_surfaces_variant(running: Running) -> None:
    service = running.service
    question = pick(service, Outcome.ANSWER, variants=True)
    surface, expected = next(
        (s, r)
        for s in running.knowledge.surfaces
        if (r := service.ask(question, s)).outcome == Outcome.ANSWER and not r.variants
    )
    inter = await running.fake.slash("ask", question=question, surface=surface)
    reply = await running.fake.reply(inter)
    assert_answer_card(reply.embed, running, expected.entry.id)
    assert not reply.selects()
    assert any(f["name"] == "Surface" for f in reply.embed["fields"])


async def test_surface_dependent_answer_shows_variants_and_a_surface_select(
    running: Running,
) -> None:
    question = pick(running.service, Outcome.ANSWER, variants=True)
    result = running.service.ask(question)
    fake = running.fake
    reply = await fake.reply(await fake.slash("ask", question=question))
    assert reply.embed["title"] == result.entry.title
    fields = reply.embed["fields"]
    assert quote_field(reply.embed)["value"].startswith("> ")
    assert len(fields) == len(result.variants) + 2  # quote, one per variant, source
    (select,) = reply.selects()
    values = [o["value"] for o in select["options"]]
    assert values == [v.id for v in result.variants]
    assert len({o["label"] for o in select["options"]}) == len(values)
    click = await fake.click(reply.message_id, select["custom_id"], values=[values[-1]])
    chosen = await fake.reply(click)
    assert chosen.ephemeral
    assert_answer_card(chosen.embed, running, values[-1])


async def test_suggest_offers_did_you_mean_and_a_click_shows_the_answer(
    running: Running,
) -> None:
    question = pick(running.service, Outcome.SUGGEST)
    result = running.service.ask(question)
    fake = running.fake
    reply = await fake.reply(await fake.slash("ask", question=question))
    assert reply.embed["title"] == "Did you mean…"
    buttons = reply.buttons()
    assert 1 <= len(buttons) <= 3
    assert [b["custom_id"].split(":")[2] for b in buttons] == [
        c.entry.id for c in result.suggestions
    ]
    shown = await fake.reply(await fake.click(reply.message_id, buttons[0]["custom_id"]))
    assert_answer_card(shown.embed, running, result.suggestions[0].entry.id)


async def test_unanswerable_gets_the_no_answer_reply(running: Running) -> None:
    reply = await running.fake.reply(await running.fake.slash("ask", question=UNANSWERABLE))
    assert reply.embed["title"] == "No sourced answer yet"
    assert "curators" in reply.embed["description"]
    assert "/sources" in reply.embed["description"]
    assert not reply.components


async def test_autocomplete_offers_alternate_questions(running: Running) -> None:
    inter = await running.fake.autocomplete("ask", "question", question="train")
    reply = await running.fake.reply(inter)
    assert reply.callback_type == 8
    choices = reply.body["choices"]
    assert 1 <= len(choices) <= 25
    known = {q for e in running.knowledge.entries.values() for q in (e.title, *e.questions)}
    assert all(c["value"] in known or len(c["value"]) == 100 for c in choices)
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_huge_and_hostile_input_is_escaped_and_within_limits(running: Running) -> None:
    hostile = "@everyone **look** <@&123456789012345678> ~~x~~ " + "z" * 10_000
    fake = running.fake
    inter = await fake.slash("ask", question=hostile[:1000])
    reply = await fake.reply(inter)
    text = reply.text()
    assert "@everyone" not in text and "**look**" not in text
    assert len(reply.embed.get("description", "")) <= 4096
    message = await fake.post_message(f"<@{fake.bot_user['id']}> {hostile}", mention_bot=True)
    sent = await fake.channel_reply(message)
    embed = sent.body["embeds"][0]
    assert "@everyone" not in str(embed)
    assert len(str(embed)) < 6000


# ----------------------------------------------------------------------------- buttons
async def test_feedback_counts_once_per_user_per_answer(running: Running) -> None:
    fake = running.fake
    question = pick(running.service, Outcome.ANSWER)
    reply = await fake.reply(await fake.slash("ask", question=question))
    up, down = reply.buttons()[:2]
    first = await fake.reply(await fake.click(reply.message_id, up["custom_id"]))
    again = await fake.reply(await fake.click(reply.message_id, down["custom_id"]))
    other = {**fake.member_user, "id": str(int(fake.member_user["id"]) + 1)}
    third = await fake.reply(await fake.click(reply.message_id, down["custom_id"], user=other))
    assert first.ephemeral and "Thanks" in first.body["content"]
    assert "already" in again.body["content"]
    assert "Thanks" in third.body["content"] and "already" not in third.body["content"]


async def test_why_this_answer_explains_ephemerally(running: Running) -> None:
    fake = running.fake
    question = pick(running.service, Outcome.ANSWER)
    reply = await fake.reply(await fake.slash("ask", question=question))
    why = reply.buttons()[2]
    shown = await fake.reply(await fake.click(reply.message_id, why["custom_id"]))
    assert shown.ephemeral
    names = [f["name"] for f in shown.embed["fields"]]
    assert {"Matched phrasing", "Synonym folds", "Scores (0-100)"} <= set(names)
    assert "Margin over the runner-up" in names


async def test_button_for_an_unknown_entry_says_so(running: Running) -> None:
    """A message from before a knowledge change still carries buttons for a removed entry."""
    fake = running.fake
    ids = ("pb:why:no-such-entry:1", "pb:fb:up:no-such-entry:1", "pb:show:gone:0")
    row = [{"type": 2, "style": 2, "label": "x", "custom_id": c} for c in ids]
    old = fake.bot_message(
        {"content": "old answer", "components": [{"type": 1, "components": row}]}
    )
    for custom_id in ids:
        shown = await fake.reply(await fake.click(int(old["id"]), custom_id))
        assert shown.ephemeral
        assert shown.body["content"].startswith("That answer is no longer")


# ----------------------------------------------------------------------------- surfaces
async def test_every_surface_command_shows_its_overview_card(running: Running) -> None:
    fake = running.fake
    for surface in running.knowledge.surfaces.values():
        reply = await fake.reply(await fake.slash(surface.command_name))
        embed = reply.embed
        assert surface.name in embed["title"]
        assert [f["name"] for f in embed["fields"]] == [o.label for o in surface.overview]
        assert len(embed["fields"]) == 7


async def test_surface_command_with_a_question_answers_within_it(running: Running) -> None:
    fake = running.fake
    for surface in running.knowledge.surfaces.values():
        entry = next(e for e in running.knowledge.entries.values() if surface.id in e.surfaces)
        expected = running.service.ask(entry.questions[0], surface.id)
        reply = await fake.reply(
            await fake.slash(surface.command_name, question=entry.questions[0])
        )
        if expected.outcome == Outcome.ANSWER and not expected.variants:
            assert_answer_card(reply.embed, running, expected.entry.id)
            assert surface.id in expected.entry.surfaces


# ----------------------------------------------------------------------------- reference
async def test_compare_renders_the_table(running: Running) -> None:
    table = running.knowledge.comparison
    assert table is not None
    reply = await running.fake.reply(await running.fake.slash("compare"))
    embed = reply.embed
    assert embed["title"] == table.title
    assert [f["name"] for f in embed["fields"]] == [r.label for r in table.rows][:25]
    for column in table.columns:
        assert running.knowledge.terms[column].name in embed["fields"][0]["value"]


async def test_sources_lists_links_and_verified_dates(running: Running) -> None:
    fake = running.fake
    reply = await fake.reply(await fake.slash("sources"))
    text = reply.embed["description"]
    message_id = reply.message_id
    while reply.buttons() and not reply.buttons()[-1]["disabled"]:
        reply = await fake.reply(await fake.click(message_id, reply.buttons()[-1]["custom_id"]))
        text += reply.embed["description"]
    for source in running.knowledge.sources.values():
        assert f"]({source.url})" in text
        assert f"verified {source.verified}" in text


async def test_sources_paginates_with_buttons(
    fake: FakeDiscord, shipped_knowledge: Knowledge
) -> None:
    import dataclasses

    one = next(iter(shipped_knowledge.sources.values()))
    many = {f"s{i}": dataclasses.replace(one, id=f"s{i}", title=f"Doc {i:02}") for i in range(20)}
    big = dataclasses.replace(
        shipped_knowledge, sources=Knowledge.freeze({**shipped_knowledge.sources, **many})
    )
    async with start_bot(fake, big) as run:
        reply = await fake.reply(await fake.slash("sources"))
        prev, nxt = reply.buttons()
        assert prev["disabled"] and not nxt["disabled"]
        page2 = await fake.reply(await fake.click(reply.message_id, nxt["custom_id"]))
        assert page2.callback_type == 7
        assert "Page 2 of" in page2.embed["footer"]["text"]
        del run


# ----------------------------------------------------------------------------- menu, mention
async def test_context_menu_answers_the_selected_message(running: Running) -> None:
    fake = running.fake
    question = pick(running.service, Outcome.ANSWER)
    target = fake.user_message(question)
    reply = await fake.reply(await fake.context_menu("Ask policybot", target))
    assert_answer_card(reply.embed, running, running.service.ask(question).entry.id)
    assert target["id"] in reply.body["content"]


async def test_mention_gets_a_reply_without_pings(running: Running) -> None:
    fake = running.fake
    question = pick(running.service, Outcome.ANSWER)
    message = await fake.post_message(f"<@{fake.bot_user['id']}> {question}", mention_bot=True)
    sent = await fake.channel_reply(message)
    assert str(sent.body["message_reference"]["message_id"]) == message["id"]
    assert sent.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert_answer_card(sent.body["embeds"][0], running, running.service.ask(question).entry.id)


async def test_mention_of_nothing_gets_a_hint(running: Running) -> None:
    fake = running.fake
    message = await fake.post_message(f"<@{fake.bot_user['id']}>", mention_bot=True)
    sent = await fake.channel_reply(message)
    assert "Mention me with a question" in sent.body["content"]


async def test_a_reply_that_asks_nothing_is_not_logged_as_a_gap(
    fake: FakeDiscord, shipped_knowledge: Knowledge
) -> None:
    async with MemoryStorage() as storage, start_bot(fake, shipped_knowledge,
                                                     storage=storage):
        message = await fake.post_message(f"<@{fake.bot_user['id']}> yes", mention_bot=True)
        sent = await fake.channel_reply(message)
        assert sent.body["embeds"][0]["title"] == "Nothing to look up"
        reply = await fake.reply(await fake.slash("ask", question="ok what"))
        assert reply.embed["title"] == "Nothing to look up"
        # "help" once got a policy answer (it shares a word with a setting's name).
        helped = await fake.channel_reply(
            await fake.post_message(f"<@{fake.bot_user['id']}> help", mention_bot=True))
        assert helped.body["embeds"][0]["title"] == "Nothing to look up"
        assert "/privacy" in helped.body["embeds"][0]["description"]
        assert await storage.count_gaps("open", None) == 0
        gap = await fake.reply(await fake.slash("ask", question=UNANSWERABLE))
        assert gap.embed["title"] == "No sourced answer yet"
        assert await storage.count_gaps("open", None) == 1


async def test_bots_self_and_unmentioned_messages_are_ignored(running: Running) -> None:
    fake = running.fake
    other_bot = {**fake.member_user, "id": "1234567890123456789", "bot": True}
    mention = f"<@{fake.bot_user['id']}> does it train on my data"
    await fake.post_message(mention, author=other_bot, mention_bot=True)
    await fake.post_message(mention, author=fake.bot_user, mention_bot=True)
    await fake.post_message("does it train on my data")
    await asyncio.sleep(0.3)
    assert not [r for r in fake.requests if r.route == "/channels/{channel_id}/messages"]


# ----------------------------------------------------------------------------- errors, logs
async def test_an_exception_in_a_command_gives_one_generic_line(
    running: Running, monkeypatch: pytest.MonkeyPatch, captured_logs: pytest.LogCaptureFixture
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(running.service, "ask", boom)
    reply = await running.fake.reply(await running.fake.slash("ask", question="anything"))
    assert reply.ephemeral
    assert reply.body["content"].startswith("Something went wrong on my side")
    assert "secret" not in reply.body["content"]
    errors = [r for r in captured_logs.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info and "secret internal detail" in str(errors[0].exc_info[1])


async def test_logs_one_info_line_per_interaction_without_user_data(
    fake: FakeDiscord, shipped_knowledge: Knowledge, captured_logs: pytest.LogCaptureFixture
) -> None:
    async with start_bot(fake, shipped_knowledge) as run:
        question = pick(run.service, Outcome.ANSWER)
        await fake.reply(await fake.slash("ask", question=question))
        await fake.reply(await fake.slash("ask", question=UNANSWERABLE))
        await fake.reply(await fake.slash("compare"))
        message = await fake.post_message(f"<@{fake.bot_user['id']}> {question}", mention_bot=True)
        await fake.channel_reply(message)
    lines = [
        r.getMessage() for r in captured_logs.records if r.getMessage().startswith("interaction ")
    ]
    assert len(lines) == 4
    entry = run.service.ask(question).entry.id
    assert f"command=ask outcome=answer entry={entry} latency_ms=" in lines[0]
    assert "outcome=none" in lines[1] and "command=compare" in lines[2]
    everything = "\n".join(r.getMessage() for r in captured_logs.records)
    everything += "\n".join(str(r.args) for r in captured_logs.records)
    for secret in (TOKEN, fake.member_user["id"], question, UNANSWERABLE):
        assert secret not in everything


# ----------------------------------------------------------------------------- storage
async def test_with_storage_gaps_and_votes_are_recorded(
    fake: FakeDiscord, shipped_knowledge: Knowledge
) -> None:
    async with (
        MemoryStorage() as storage,
        start_bot(fake, shipped_knowledge, storage=storage) as run,
    ):
        none = await fake.reply(await fake.slash("ask", question=UNANSWERABLE))
        # Not deferred: the gap is written before the interaction is acknowledged at all.
        assert none.callback_type == 4
        assert none.embed["title"] == "No sourced answer yet"
        question = pick(run.service, Outcome.SUGGEST)
        suggest = await fake.reply(await fake.slash("ask", question=question))
        button = suggest.buttons()[0]
        assert not button["custom_id"].endswith(":0")  # carries the stored gap event id
        await fake.reply(await fake.click(suggest.message_id, button["custom_id"]))
        answer = await fake.reply(
            await fake.slash("ask", question=pick(run.service, Outcome.ANSWER))
        )
        down = answer.buttons()[1]
        await fake.reply(await fake.click(answer.message_id, down["custom_id"]))
        again = await fake.reply(await fake.click(answer.message_id, down["custom_id"]))
        assert "already" in again.body["content"]
        await run.bot.records.flush_counts()  # question counts are written in batches
        stats = await storage.stats()
        assert stats.questions == 3 and stats.unanswered == 1 and stats.suggested == 1
        assert stats.suggestion_clicks == 1
        assert sum(t.down for t in stats.feedback) == 1
        groups = await storage.list_gaps()
        assert any(g.question == UNANSWERABLE for g in groups)


async def test_question_counts_are_batched_and_written_when_the_bot_closes(
    fake: FakeDiscord, shipped_knowledge: Knowledge
) -> None:
    async with MemoryStorage() as storage:
        async with start_bot(fake, shipped_knowledge, storage=storage) as run:
            run.bot.records.count_flush_seconds = 3600.0
            await fake.reply(await fake.slash("ask", question=pick(run.service, Outcome.ANSWER)))
            await fake.reply(await fake.slash("ask", question=UNANSWERABLE))
            assert run.bot.records.pending_counts == 2
            assert (await storage.stats()).questions == 0
            # The gap itself is never buffered: it is stored before the reply.
            assert [g.question for g in await storage.list_gaps()] == [UNANSWERABLE]
        stats = await storage.stats()
        assert (stats.questions, stats.answered, stats.unanswered) == (2, 1, 1)


# ----------------------------------------------------------------------------- gateway
async def test_auto_sharded_bot_uses_the_configured_gateway(
    fake: FakeDiscord, shipped_knowledge: Knowledge
) -> None:
    fake.shard_count = 2
    async with start_bot(fake, shipped_knowledge, shards=0) as run:
        await fake.wait_ready(shards=2)
        assert sorted(i["shard"][0] for i in fake.identifies) == [0, 1]
        assert run.bot.shard_count == 2
        reply = await fake.reply(await fake.slash("compare"))
        assert reply.embed["title"]


async def test_resumes_after_a_dropped_gateway(running: Running) -> None:
    fake = running.fake
    await fake.drop_connections(4000)
    await fake.wait_for(lambda: fake.resumes, 10)
    await fake.wait_ready()
    reply = await fake.reply(await fake.slash("sources"))
    assert reply.embed["title"] == "Sources"


async def test_commands_come_from_any_knowledge(
    fake: FakeDiscord, fixture_knowledge: Knowledge
) -> None:
    async with start_bot(fake, fixture_knowledge) as run:
        synced = {c["name"] for c in fake.commands[str(fake.guild_id)]}
        assert {s.command_name for s in fixture_knowledge.surfaces.values()} <= synced
        first = next(iter(fixture_knowledge.surfaces.values()))
        reply = await fake.reply(await fake.slash(first.command_name))
        assert first.name in reply.embed["title"]
        del run


async def test_reserved_command_names_are_the_bots_own_commands(running: Running) -> None:
    """The loader refuses these as surface command names, since the bot already uses them."""
    surface_commands = {s.command_name for s in running.knowledge.surfaces.values()}
    own = {c.name for c in running.bot.tree.get_commands(type=discord.AppCommandType.chat_input)}
    assert own - surface_commands == set(RESERVED_COMMAND_NAMES)
