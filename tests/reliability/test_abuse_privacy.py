"""Hostile input, abuse guards and the bot's own privacy, through the fake Discord.

Every test here ends with the `fake` fixture's checks: no message was sent with mentions
allowed to parse, and no embed broke a Discord limit. CSV formula neutralisation of gap
exports is covered where the CSV is written: `tests/storage` (`neutralise_cell`) and the
`policybot gaps export` tests in `tests/console/test_curation_cli.py`.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakediscord.faults import FaultyDiscord
from harness import HASH_KEY, TOKEN, member, questions, start_bot, unanswerable

from bot.core.result import Outcome
from bot.discord_app import formatting
from bot.knowledge.model import Knowledge
from bot.storage.base import GapEvent
from bot.storage.hashing import UserHasher
from bot.storage.memory import MemoryStorage
from bot.storage.sqlite import SQLiteStorage

HOSTILE = [
    "@everyone does it train on my chats",
    "@here is my data sold",
    "<@&123456789012345678> <@987654321098765432> <@!987654321098765432> retention",
    "[click me](https://evil.example/phish) what is stored",
    "**bold** __underline__ ~~strike~~ ||spoiler|| `code` > quote # heading",
    "```py\nimport os; os.system('rm -rf /')\n```",
    "\u202edelete my data\u202c \u2066isolate\u2069",
    "zero\u200bwidth\u200d join\ufeff chars\u2060 and training",
    "@\u200beveryone @​here <@&1> " + "x" * 900,
]
#: Markup Discord would turn into a ping or a disguised link, unless escaped.
LIVE_MENTION = re.compile(r"<@[!&]?\d{17,20}>|@(everyone|here)\b")
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*\]\(https://evil")
LONG = ("does it train on my data @everyone " * 200)[:6000]


# ----------------------------------------------------------------------------- hostile input
async def test_hostile_questions_never_ping_and_never_break_an_embed(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with (
        MemoryStorage() as storage,
        start_bot(fake, knowledge, storage=storage, cooldown_seconds=0) as run,
    ):
        replies = []
        for i, text in enumerate(HOSTILE):
            replies.append(await fake.reply(await fake.slash("ask", user=member(i), question=text)))
        # Over the 1,000-character option limit (Discord enforces it; the fake does not).
        replies.append(await fake.reply(await fake.slash("ask", user=member(50), question=LONG)))
        for i, text in enumerate([*HOSTILE, LONG]):
            target = fake.user_message(text)
            replies.append(await fake.reply(await fake.context_menu("Ask policybot", target)))
            message = await fake.post_message(
                f"<@{fake.bot_user['id']}> {text}", author=member(100 + i), mention_bot=True
            )
            await fake.channel_reply(message)
        for reply in replies:
            shown = reply.text()
            assert "@everyone" not in shown and "@here" not in shown
            assert not LIVE_MENTION.search(shown) and not MASKED_LINK.search(shown), shown
        stored = await storage.list_gaps(limit=100)
        assert stored, "hostile questions still reach the curators"
        assert run.bot.is_ready()


# ----------------------------------------------------------------------------- abuse
async def test_cooldown_is_per_user_polite_and_only_for_questions(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with start_bot(fake, knowledge, cooldown_seconds=30, cooldown_burst=2) as run:
        first, second, third = questions(run.service, Outcome.ANSWER, 3)
        answered = await fake.reply(await fake.slash("ask", question=first))
        assert answered.embeds and not answered.ephemeral
        follow_up = await fake.reply(await fake.slash("ask", question=third))
        assert follow_up.embeds, "a quick follow-up within the burst is answered"
        refused = await fake.reply(await fake.slash("ask", question=second))
        assert refused.ephemeral and not refused.embeds
        assert refused.body["content"].startswith("One moment, please: you can ask again in")
        assert "seconds" in refused.body["content"]
        other = await fake.reply(await fake.slash("ask", user=member(1), question=second))
        assert other.embeds, "another member is not held up"
        surface = next(iter(run.service.knowledge.surfaces.values())).command_name
        overview = await fake.reply(await fake.slash(surface))
        assert overview.embeds, "an overview card is not a question"
        within = await fake.reply(await fake.slash(surface, question=second))
        assert within.ephemeral and "One moment" in within.body["content"]
        menu = await fake.reply(await fake.context_menu("Ask policybot", fake.user_message(second)))
        assert menu.ephemeral and "One moment" in menu.body["content"]


async def test_same_question_in_the_same_channel_points_to_the_earlier_answer(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with start_bot(fake, knowledge, cooldown_seconds=0) as run:
        question = questions(run.service, Outcome.ANSWER, 1)[0]
        first = await fake.reply(await fake.slash("ask", user=member(1), question=question))
        link = f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/"
        link += str(first.message_id)
        again = await fake.reply(await fake.slash("ask", user=member(2), question=question))
        assert again.ephemeral and not again.embeds
        assert link in again.body["content"]
        # Same words, different spacing and case: the same normalised question.
        shouted = "  " + question.upper() + "  "
        loud = await fake.reply(await fake.slash("ask", user=member(3), question=shouted))
        assert link in loud.body["content"]
        private = await fake.reply(
            await fake.slash("ask", user=member(4), question=question, private=True)
        )
        assert private.embeds, "a private copy is always given"
        mention = await fake.post_message(
            f"<@{fake.bot_user['id']}> {question}", author=member(5), mention_bot=True
        )
        sent = await fake.channel_reply(mention)
        assert link in sent.body["content"] and not sent.body.get("embeds")
        gap = unanswerable(run.service, 1)[0]
        for i in range(2):  # unanswered questions are never folded: each is a signal
            none = await fake.reply(await fake.slash("ask", user=member(10 + i), question=gap))
            assert none.embed["title"] == "No sourced answer yet"


async def test_gap_cap_per_user_per_hour_still_replies(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with (
        MemoryStorage() as storage,
        start_bot(
            fake, knowledge, storage=storage, cooldown_seconds=0, gaps_per_user_per_hour=3
        ) as run,
    ):
        asked = unanswerable(run.service, 6)
        for question in asked[:5]:
            reply = await fake.reply(await fake.slash("ask", question=question))
            assert reply.embed["title"] in {"No sourced answer yet", "Did you mean…"}
        other = await fake.reply(await fake.slash("ask", user=member(1), question=asked[5]))
        assert other.embeds
        stored = {g.question for g in await storage.list_gaps(limit=100)}
        assert stored == {*asked[:3], asked[5]}


async def test_one_vote_per_user_per_answer_even_across_buttons(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with (
        MemoryStorage() as storage,
        start_bot(fake, knowledge, storage=storage, cooldown_seconds=0) as run,
    ):
        answer = await fake.reply(
            await fake.slash("ask", question=questions(run.service, Outcome.ANSWER, 1)[0])
        )
        up, down = answer.buttons()[:2]
        first = await fake.reply(await fake.click(answer.message_id, up["custom_id"]))
        again = await fake.reply(await fake.click(answer.message_id, down["custom_id"]))
        other = await fake.reply(
            await fake.click(answer.message_id, down["custom_id"], user=member(1))
        )
        assert first.body["content"] == formatting.FEEDBACK_THANKS["up"]
        assert again.body["content"] == formatting.FEEDBACK_ALREADY
        assert other.body["content"] == formatting.FEEDBACK_THANKS["down"]
        stats = await storage.stats()
        assert sum(t.up for t in stats.feedback) == 1 and sum(t.down for t in stats.feedback) == 1


# ----------------------------------------------------------------------------- privacy
async def test_forget_me_deletes_every_row_of_the_caller_and_says_how_many(
    fake: FaultyDiscord, knowledge: Knowledge, tmp_path: Path
) -> None:
    hasher = UserHasher(HASH_KEY)
    async with (
        SQLiteStorage(tmp_path / "pb.sqlite3") as storage,
        start_bot(fake, knowledge, storage=storage, cooldown_seconds=0) as run,
    ):
        mine, theirs = unanswerable(run.service, 4)[:3], unanswerable(run.service, 4)[3]
        for question in mine:
            await fake.reply(await fake.slash("ask", question=question))
        await fake.reply(await fake.slash("ask", user=member(1), question=theirs))
        answer = await fake.reply(
            await fake.slash("ask", question=questions(run.service, Outcome.ANSWER, 1)[0])
        )
        await fake.reply(await fake.click(answer.message_id, answer.buttons()[1]["custom_id"]))
        me = hasher(int(fake.member_user["id"]))
        assert await storage.gaps_recorded_since(me, datetime.now(UTC) - timedelta(hours=1)) == 4

        done = await fake.reply(await fake.slash("forget-me"))
        assert done.ephemeral
        # 3 unanswered questions + the 👎 recorded as a gap + the vote itself.
        assert done.body["content"].startswith("Done: I deleted 5 records tied to you")
        assert await storage.gaps_recorded_since(me, datetime(2000, 1, 1, tzinfo=UTC)) == 0
        left = {g.question for g in await storage.list_gaps(limit=100)}
        assert left == {theirs}
        assert (await storage.stats()).feedback == () or all(
            t.up == 0 and t.down == 0 for t in (await storage.stats()).feedback
        )
        again = await fake.reply(await fake.slash("forget-me"))
        assert again.body["content"] == formatting.forgotten(0)
        # Forgotten votes may be cast again.
        revote = await fake.reply(
            await fake.click(answer.message_id, answer.buttons()[0]["custom_id"])
        )
        assert revote.body["content"] == formatting.FEEDBACK_THANKS["up"]


async def test_privacy_states_what_why_how_long_and_how_to_delete(
    fake: FaultyDiscord, knowledge: Knowledge
) -> None:
    async with (
        MemoryStorage() as storage,
        start_bot(fake, knowledge, storage=storage, retention_days=45),
    ):
        shown = await fake.reply(await fake.slash("privacy"))
        assert shown.ephemeral
        names = [f["name"] for f in shown.embed["fields"]]
        assert names[:4] == ["What is stored", "Why", "How long", "How to delete it"]
        text = shown.text()
        assert "45 days" in text and "/forget-me" in text and "keyed hash" in text


async def test_purge_task_removes_rows_past_retention_and_heartbeat_runs(
    fake: FaultyDiscord, knowledge: Knowledge, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    async with SQLiteStorage(tmp_path / "pb.sqlite3") as storage:
        old = now - timedelta(days=40)
        await storage.record_gap(GapEvent("an old question", "u1", "none", at=old))
        await storage.record_gap(GapEvent("a recent question", "u2", "none", at=now))
        async with start_bot(fake, knowledge, storage=storage, retention_days=30) as run:
            housekeeping = run.bot.housekeeping
            assert housekeeping.running
            await fake.wait_for(lambda: housekeeping.purged_total, 5)  # runs once at start
            assert {g.question for g in await storage.list_gaps()} == {"a recent question"}
            assert await storage.last_heartbeat() is not None
            housekeeping.clock = lambda: now + timedelta(days=31)  # a month later
            await housekeeping.purge()
            assert await storage.list_gaps() == []
        assert not housekeeping.running, "tasks stop with the bot"


async def test_logs_hold_no_token_no_user_ids_and_no_question_text_at_info(
    fake: FaultyDiscord, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    users = [member(i) for i in range(4)]
    async with (
        MemoryStorage() as storage,
        start_bot(
            fake, knowledge, storage=storage, cooldown_seconds=30, cooldown_burst=1
        ) as run,
    ):
        answer_q = questions(run.service, Outcome.ANSWER, 1)[0]
        gap_q = unanswerable(run.service, 1)[0]
        answer = await fake.reply(await fake.slash("ask", user=users[0], question=answer_q))
        await fake.reply(await fake.slash("ask", user=users[0], question=gap_q))  # cooldown
        await fake.reply(await fake.slash("ask", user=users[1], question=gap_q))
        await fake.reply(await fake.slash("ask", user=users[2], question=answer_q))  # duplicate
        await fake.reply(await fake.click(answer.message_id, answer.buttons()[1]["custom_id"]))
        target = fake.user_message(gap_q)
        await fake.reply(await fake.context_menu("Ask policybot", target))
        mention = f"<@{fake.bot_user['id']}> {gap_q}"
        message = await fake.post_message(mention, author=users[3], mention_bot=True)
        await fake.channel_reply(message)
        await fake.reply(await fake.slash("forget-me", user=users[1]))
        await fake.reply(await fake.slash("privacy", user=users[2]))
    records = caplog.records
    assert any(r.getMessage().startswith("interaction command=ask") for r in records)
    ids = [u["id"] for u in users] + [fake.member_user["id"]]
    for record in records:
        text = record.getMessage() + str(record.args) + str(record.exc_text or "")
        assert TOKEN not in text
        if record.name.startswith("bot"):
            assert not [i for i in ids if i in text], text
        if record.levelno >= logging.INFO:
            assert answer_q not in text and gap_q not in text, text
