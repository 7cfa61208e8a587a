"""Every embed and every piece of component text the bot shows is built here.

Keeping all text construction in one module lets one set of functions enforce Discord's
limits (a message over a limit is rejected outright, so the person gets nothing) and the
escaping of user text (so a question full of markdown or `@everyone` cannot change how a
reply renders or who it pings). Cogs and views call these functions and never build text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.core.result import Candidate, Explanation, Result
from bot.discord_app.per_knowledge import PerKnowledge
from bot.knowledge.model import Entry, Knowledge, Surface
from bot.storage.base import FeedbackReason, GapGroup, GapStatus, Stats

if TYPE_CHECKING:
    from datetime import datetime

    from bot.knowledge.loader import Problem

# Discord's documented limits.
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
EMBED_TOTAL_MAX = 6000
FOOTER_MAX = 2048
AUTHOR_MAX = 256
CONTENT_MAX = 2000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
BUTTONS_PER_ROW = 5
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
OPTION_LABEL_MAX = 100
OPTION_DESCRIPTION_MAX = 100
CUSTOM_ID_MAX = 100

#: How much of a person's question is echoed back; the rest adds nothing to a reply.
ECHO_MAX = 200
ELLIPSIS = "…"

ANSWER_COLOUR = discord.Colour.blurple()
SUGGEST_COLOUR = discord.Colour.gold()
NONE_COLOUR = discord.Colour.light_grey()
INFO_COLOUR = discord.Colour.dark_teal()

GENERIC_ERROR = "Something went wrong on my side. It has been logged; please try again."
UNKNOWN_ENTRY = "That answer is no longer in the knowledge base. Ask again with /ask."
EXPLANATION_EXPIRED = (
    "I no longer have the details of that match (the bot may have restarted). "
    "This is what the entry is matched on."
)
FEEDBACK_THANKS = {"up": "Thanks, glad it helped.", "down": "Thanks, the curators will look at it."}
FEEDBACK_ALREADY = "You already rated this answer. Thanks!"
EMPTY_MENTION = "Mention me with a question, for example: @{name} does it train on my chats?"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, marking the cut with an ellipsis.

    A cut that would leave a dangling backslash (half of a markdown escape) drops it, so the
    ellipsis is never itself escaped away.
    """
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS


def escape_user(text: str, limit: int = ECHO_MAX) -> str:
    """User text made inert for display: mentions defused, markdown escaped, length capped.

    The text is shortened before escaping too, so a 10,000-character paste costs nothing.
    """
    flat = " ".join((text or "").split())
    flat = clip(flat, limit)
    return clip(escape_markdown(escape_mentions(flat)), limit * 2)


def quote_block(text: str, limit: int = FIELD_VALUE_MAX) -> str:
    """Markdown block quote (`> ` on every line) that fits `limit` including the markers."""
    lines = (text or "").strip().splitlines() or [""]
    body = "\n".join(f"> {line}" for line in lines)
    if len(body) <= limit:
        return body
    return clip(body, limit)


# ----------------------------------------------------------------------------- embeds
def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Bring any embed within Discord's limits, shortening rather than failing.

    Per-part limits are applied first; if the 6,000-character total is still exceeded,
    the description is shortened, then trailing fields are dropped.
    """
    if embed.title:
        embed.title = clip(embed.title, TITLE_MAX)
    if embed.description:
        embed.description = clip(embed.description, DESCRIPTION_MAX)
    if embed.footer and embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER_MAX))
    if embed.author and embed.author.name:
        embed.set_author(name=clip(embed.author.name, AUTHOR_MAX), url=embed.author.url)
    fields = [
        (
            clip(f.name or "\u200b", FIELD_NAME_MAX),
            clip(f.value or "\u200b", FIELD_VALUE_MAX),
            f.inline,
        )
        for f in embed.fields
    ][:FIELDS_MAX]
    embed.clear_fields()
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=bool(inline))
    excess = len(embed) - EMBED_TOTAL_MAX
    if excess > 0 and embed.description:
        keep = max(len(embed.description) - excess, 100)
        embed.description = clip(embed.description, keep)
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def _terms_names(entry: Entry, knowledge: Knowledge) -> str:
    names = [knowledge.terms[t].name for t in entry.terms if t in knowledge.terms]
    return ", ".join(names) or "Not stated"


def _surface_names(ids: Iterable[str], knowledge: Knowledge) -> str:
    return ", ".join(knowledge.surfaces[s].name for s in ids if s in knowledge.surfaces)


def source_line(entry: Entry, knowledge: Knowledge) -> str:
    """`[title](url)` for the entry's source: a clickable, https link."""
    source = knowledge.sources.get(entry.source)
    if source is None:
        return "Source unavailable"
    return f"[{escape_markdown(source.title)}]({source.url})"


def verified_text(entry: Entry, knowledge: Knowledge) -> str:
    """ "verified <date>" (and the effective date when the document states one)."""
    source = knowledge.sources.get(entry.source)
    if source is None:
        return ""
    text = f"verified {source.verified}"
    if source.effective:
        text += f" · effective {source.effective}"
    return text


def answer_embed(
    entry: Entry, knowledge: Knowledge, *, surface: str | None = None
) -> discord.Embed:
    """The answer card: title, our words, the verbatim quote, source link, verified date."""
    source = knowledge.sources.get(entry.source)
    embed = discord.Embed(
        title=entry.title,
        description=entry.answer,
        colour=ANSWER_COLOUR,
        url=source.url if source else None,
    )
    quote_name = f"From the {source.title}" if source else "Quote"
    embed.add_field(name=quote_name, value=quote_block(entry.quote), inline=False)
    embed.add_field(name="Source", value=source_line(entry, knowledge), inline=True)
    embed.add_field(name="Terms", value=_terms_names(entry, knowledge), inline=True)
    if surface and surface in knowledge.surfaces:
        embed.add_field(name="Surface", value=knowledge.surfaces[surface].name, inline=True)
    embed.set_footer(text=f"{verified_text(entry, knowledge)} · entry {entry.id}")
    return fit_embed(embed)


def variants_embed(entry: Entry, variants: Sequence[Entry], knowledge: Knowledge) -> discord.Embed:
    """Side by side: one short field per variant, for an answer that depends on the surface."""
    embed = discord.Embed(
        title=entry.title,
        description=(
            f"{entry.answer}\n\nThe details depend on which product you use. "
            "Pick yours below for the sourced answer."
        ),
        colour=ANSWER_COLOUR,
    )
    source = knowledge.sources.get(entry.source)
    quote_name = f"From the {source.title}" if source else "Quote"
    embed.add_field(name=quote_name, value=quote_block(entry.quote), inline=False)
    for variant in variants[: FIELDS_MAX - 3]:
        where = _surface_names(variant.surfaces, knowledge) or variant.title
        embed.add_field(
            name=f"{where} ({_terms_names(variant, knowledge)})",
            value=clip(variant.answer, 600),
            inline=False,
        )
    embed.add_field(name="Source", value=source_line(entry, knowledge), inline=False)
    embed.set_footer(text=f"{verified_text(entry, knowledge)} · entry {entry.id}")
    return fit_embed(embed)


def suggest_embed(question: str, suggestions: Sequence[Candidate]) -> discord.Embed:
    """ "Did you mean…" with the candidate titles numbered as on the buttons."""
    lines = [f"{i}. {c.entry.title}" for i, c in enumerate(suggestions, 1)]
    embed = discord.Embed(
        title="Did you mean…",
        description=(
            f"I'm not sure I understood “{escape_user(question)}”. Is it one of these?\n\n"
            + "\n".join(lines)
        ),
        colour=SUGGEST_COLOUR,
    )
    return fit_embed(embed)


def none_embed(question: str) -> discord.Embed:
    """The honest no-answer: noted for the curators, and where to look meanwhile."""
    shown = escape_user(question)
    asked = f" for “{shown}”" if shown else ""
    embed = discord.Embed(
        title="No sourced answer yet",
        description=(
            f"I don't have a sourced answer{asked} yet, and I won't guess. "
            "I've noted the question for the curators so it can be added. "
            "Meanwhile, `/sources` lists the official documents I answer from."
        ),
        colour=NONE_COLOUR,
    )
    return fit_embed(embed)


def unasked_embed() -> discord.Embed:
    """A message that asks nothing ("yes", "ok"): say what the bot is for; nothing logged."""
    embed = discord.Embed(
        title="Nothing to look up",
        description=(
            "I answer questions about the data policies in my sources, such as how long "
            "chats are kept or whether they are used for training. Ask one with `/ask`, "
            "or mention me with your question. `/sources` lists the documents, and "
            "`/privacy` says what I keep about you."
        ),
        colour=NONE_COLOUR,
    )
    return fit_embed(embed)


def result_embed(result: Result, knowledge: Knowledge) -> discord.Embed:
    """The embed for any result, by outcome."""
    if result.unasked:
        return unasked_embed()
    if result.entry is not None and result.variants:
        return variants_embed(result.entry, result.variants, knowledge)
    if result.entry is not None:
        return answer_embed(result.entry, knowledge, surface=result.surface)
    if result.suggestions:
        return suggest_embed(result.question, result.suggestions)
    return none_embed(result.question)


def _fresh_embed(data: dict[str, Any]) -> discord.Embed:
    """A new embed from a stored `to_dict()`, sharing no list or dict with what is stored.

    `Embed.from_dict` keeps the given fields list and footer dict, so a caller adding a field
    would otherwise change the stored card for everyone after them.
    """
    return discord.Embed.from_dict(
        {
            key: [dict(item) for item in value]
            if isinstance(value, list)
            else dict(value)
            if isinstance(value, dict)
            else value
            for key, value in data.items()
        }
    )


# How the matcher knew the surface (Explanation.surface_source), in words for the embed.
SURFACE_SOURCES = {
    "explicit": "the command used",
    "text": "named in the question",
    "terms": "the account named",
    "feature": "a feature only that surface has",
}


class AnswerCards(PerKnowledge[dict[str, Any]]):
    """Answer and side-by-side cards, each built once per knowledge instead of per question.

    These two cards depend only on entries, the surface shown and the knowledge (titles,
    answers, quotes, sources, terms, surface names), never on the question or the person,
    so one build serves everyone who gets that entry. Suggestion and no-answer cards echo
    the question and are always built fresh. A reload empties the cache, and an entry from
    replaced knowledge is built fresh (see `PerKnowledge`).
    """

    def answer(
        self, entry: Entry, knowledge: Knowledge, *, surface: str | None = None
    ) -> discord.Embed:
        """`answer_embed(entry, knowledge, surface=surface)`, from the cache when it can be."""
        if not self._current(knowledge, entry):
            return answer_embed(entry, knowledge, surface=surface)
        shown = surface if surface and surface in knowledge.surfaces else ""
        cards = self._store(knowledge)
        key = ("answer", entry.id, shown)
        card = cards.get(key)
        if card is None:
            card = cards[key] = answer_embed(entry, knowledge, surface=shown or None).to_dict()
        return _fresh_embed(card)

    def warm(self, knowledge: Knowledge) -> int:
        """Build every entry's answer card ahead of the first question; how many were built.

        Each entry alone and with each of its own surfaces: the cards a question names.
        """
        for entry in knowledge.entries.values():
            for surface in (None, *entry.surfaces):
                self.answer(entry, knowledge, surface=surface)
        return len(self._store(knowledge))

    def variants(
        self, entry: Entry, variants: Sequence[Entry], knowledge: Knowledge
    ) -> discord.Embed:
        """`variants_embed(entry, variants, knowledge)`, from the cache when it can be."""
        if not self._current(knowledge, entry, *variants):
            return variants_embed(entry, variants, knowledge)
        cards = self._store(knowledge)
        key = ("variants", entry.id, *(v.id for v in variants))
        card = cards.get(key)
        if card is None:
            card = cards[key] = variants_embed(entry, variants, knowledge).to_dict()
        return _fresh_embed(card)

    def result(self, result: Result, knowledge: Knowledge) -> discord.Embed:
        """`result_embed(result, knowledge)`: answers from the cache, the rest built fresh."""
        if result.entry is not None and result.variants:
            return self.variants(result.entry, result.variants, knowledge)
        if result.entry is not None:
            return self.answer(result.entry, knowledge, surface=result.surface)
        return result_embed(result, knowledge)


def explanation_embed(
    entry: Entry, explanation: Explanation | None, score: float = 0.0
) -> discord.Embed:
    """Why this answer: matched phrasing, synonym folds, scores and margin."""
    embed = discord.Embed(title=f"Why this answer? ({entry.title})", colour=INFO_COLOUR)
    if explanation is None:
        embed.description = EXPLANATION_EXPIRED
        sample = "\n".join(f"• {q}" for q in entry.questions[:8])
        embed.add_field(name="Phrasings of this entry", value=sample or "—", inline=False)
        return fit_embed(embed)
    matched = next((c.matched for c in explanation.top if c.entry.id == entry.id), "")
    if not matched and explanation.top:
        matched = explanation.top[0].matched
    embed.description = clip(explanation.reason or "", 1000) or None
    embed.add_field(
        name="Your question, normalised",
        value=escape_user(explanation.normalised, 400) or "—",
        inline=False,
    )
    embed.add_field(name="Matched phrasing", value=escape_user(matched, 400) or "—", inline=False)
    folds = ", ".join(explanation.folds)
    embed.add_field(name="Synonym folds", value=escape_user(folds, 400) or "none", inline=False)
    scores = "\n".join(
        f"{c.score:.1f} · {escape_markdown(c.entry.title)}"
        + (f" (word model {c.word_model:+.1f})" if c.word_model else "")
        for c in explanation.top[:5]
    )
    embed.add_field(name="Scores (0-100)", value=scores or f"{score:.1f}", inline=False)
    embed.add_field(
        name="Margin over the runner-up", value=f"{explanation.margin:.1f}", inline=True
    )
    if explanation.surface_source:
        source = SURFACE_SOURCES.get(explanation.surface_source, explanation.surface_source)
        embed.add_field(name="Surface from", value=source, inline=True)
    return fit_embed(embed)


def overview_embed(surface: Surface, knowledge: Knowledge) -> discord.Embed:
    """A surface's overview card: the same seven fields for every surface."""
    terms = knowledge.terms.get(surface.terms)
    embed = discord.Embed(
        title=f"{surface.name}: data at a glance",
        description=(f"**{terms.name}.** {terms.description}" if terms else None),
        colour=INFO_COLOUR,
    )
    for item in surface.overview:
        embed.add_field(name=item.label, value=item.text, inline=False)
    embed.set_footer(
        text=(
            f"Ask /{surface.command_name} with a question for a sourced quote · "
            "/sources lists the documents"
        )
    )
    return fit_embed(embed)


def comparison_embed(knowledge: Knowledge) -> discord.Embed:
    """The terms-comparison table: one field per row, one line per column."""
    table = knowledge.comparison
    if table is None:
        return fit_embed(
            discord.Embed(title="Comparison", description="No comparison is available yet.")
        )
    names = [knowledge.terms[c].name if c in knowledge.terms else c for c in table.columns]
    embed = discord.Embed(title=table.title, colour=INFO_COLOUR)
    embed.description = " | ".join(f"**{n}**" for n in names)
    rows = table.rows
    for row in rows[:FIELDS_MAX]:
        lines = [
            f"**{name}:** {row.cells.get(col, '—')}"
            for col, name in zip(table.columns, names, strict=True)
        ]
        embed.add_field(name=row.label, value="\n".join(lines), inline=False)
    if len(rows) > FIELDS_MAX:
        embed.set_footer(text=f"Showing {FIELDS_MAX} of {len(rows)} rows")
    else:
        embed.set_footer(text="Ask /ask for the sourced quote behind any row")
    return fit_embed(embed)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a paginated listing."""

    embed: discord.Embed
    number: int  # 0-based
    total: int


SOURCES_PER_PAGE = 8


def sources_page(knowledge: Knowledge, page: int) -> Page:
    """One page of the source list: title as a link, verified date, effective date."""
    sources = sorted(knowledge.sources.values(), key=lambda s: s.title.casefold())
    total = max(1, math.ceil(len(sources) / SOURCES_PER_PAGE))
    page = min(max(page, 0), total - 1)
    chunk = sources[page * SOURCES_PER_PAGE : (page + 1) * SOURCES_PER_PAGE]
    lines = []
    for source in chunk:
        line = f"**[{escape_markdown(source.title)}]({source.url})**\nverified {source.verified}"
        if source.effective:
            line += f" · effective {source.effective}"
        lines.append(line)
    embed = discord.Embed(
        title="Sources",
        description="\n\n".join(lines) or "No sources are loaded.",
        colour=INFO_COLOUR,
    )
    embed.set_footer(text=f"Page {page + 1} of {total} · every answer quotes one of these")
    return Page(fit_embed(embed), page, total)


def mention_hint(bot_name: str) -> str:
    """What to say when someone mentions the bot without a question."""
    return clip(EMPTY_MENTION.format(name=escape_user(bot_name, 32)), CONTENT_MAX)


def context_line(jump_url: str, author_name: str) -> str:
    """A line tying a context-menu answer to the message it answers (no ping: escaped)."""
    return clip(f"Answering {jump_url} from {escape_user(author_name, 80)}", CONTENT_MAX)


# ----------------------------------------------------------------------------- abuse, privacy
def cooldown(retry_after: float) -> str:
    """The polite refusal for a question inside the asker's cooldown (shown ephemerally)."""
    seconds = max(1, math.ceil(retry_after))
    unit = "second" if seconds == 1 else "seconds"
    return f"One moment, please: you can ask again in {seconds} {unit}."


def duplicate_answer(jump_url: str) -> str:
    """Points to the earlier answer instead of posting the same card again (ephemeral)."""
    return clip(
        f"This was answered here a moment ago: {jump_url}\n"
        "Use `/ask` with `private: True` if you'd like your own copy.",
        CONTENT_MAX,
    )


FORGET_FAILED = (
    "I couldn't delete your data just now. Nothing was changed; please try again shortly."
)
FORGET_NOTHING_STORED = "This bot runs without a database, so there was nothing of yours to delete."


def forgotten(count: int) -> str:
    """What /forget-me did, in one sentence."""
    if count == 0:
        return "I had nothing stored about you. Nothing was deleted."
    rows = "record" if count == 1 else "records"
    return (
        f"Done: I deleted {count} {rows} tied to you (unanswered questions, votes, and curator "
        "actions). Answers already posted in channels are ordinary messages and stay."
    )


def privacy_embed(retention_days: int, *, has_storage: bool) -> discord.Embed:
    """/privacy: what the bot stores, why, for how long, and how to delete it."""
    embed = discord.Embed(title="What policybot keeps about you", colour=INFO_COLOUR)
    embed.description = (
        "A bot that explains other companies' data practices should be plain about its own."
        if has_storage
        else "This instance runs without a database: it stores nothing about you."
    )
    if has_storage:
        embed.add_field(
            name="What is stored",
            value=(
                "• Questions I could not answer (or that got a 👎): the text (up to 500 "
                "characters), server and channel, time, and which answers nearly matched.\n"
                "• Your 👍/👎 votes, so each answer counts one vote per person.\n"
                "• Counts of questions by outcome, with no text and no user.\n"
                "You are identified only by a keyed hash of your user ID, never the ID "
                "itself. Questions I answered are not stored."
            ),
            inline=False,
        )
        embed.add_field(
            name="Why",
            value=(
                "So curators can add the missing answers, count each vote once, and stop one "
                "person from flooding the list of unanswered questions."
            ),
            inline=False,
        )
        embed.add_field(
            name="How long",
            value=(
                f"Unanswered questions, votes and counts are deleted automatically after "
                f"{retention_days} days. If a curator teaches me an unanswered question's "
                f"wording (curators can reword it to leave out anything personal), that "
                f"wording joins the knowledge, linked to no one, and stays."
            ),
            inline=False,
        )
        embed.add_field(
            name="How to delete it",
            value="Run `/forget-me` to delete everything tied to you at once.",
            inline=False,
        )
    embed.add_field(
        name="Not kept",
        value=(
            "Logs hold no question text, no user IDs and no tokens. A few minutes of memory "
            "(for cooldowns, repeated questions and the “Why this answer?” button) is lost on "
            "every restart."
        ),
        inline=False,
    )
    return fit_embed(embed)


# ----------------------------------------------------------------------------- components
def choice_name(text: str) -> str:
    """An autocomplete or choice name within 100 characters."""
    return clip(" ".join(text.split()), CHOICE_NAME_MAX) or "…"


def choice_value(text: str) -> str:
    """A string choice value within 100 characters (an alternate question, clipped)."""
    return " ".join(text.split())[:CHOICE_VALUE_MAX] or "?"


def button_label(text: str) -> str:
    return clip(text, BUTTON_LABEL_MAX)


def option_label(text: str) -> str:
    return clip(text, OPTION_LABEL_MAX)


def option_description(text: str) -> str:
    return clip(text, OPTION_DESCRIPTION_MAX)


def suggestion_label(index: int, entry: Entry) -> str:
    return button_label(f"{index}. {entry.title}")


def surface_choices(knowledge: Knowledge) -> list[tuple[str, str]]:
    """(name, value) pairs for a surface option, within the 25-choice limit."""
    return [(choice_name(s.name), choice_value(s.id)) for s in knowledge.surfaces.values()][
        :CHOICES_MAX
    ]


def variant_options(variants: Sequence[Entry], knowledge: Knowledge) -> list[tuple[str, str, str]]:
    """(label, value, description) for the "which product / account?" select, one per variant.

    Variants usually differ by surface, and are labelled by surface names; when two share
    their surfaces (the same product under consumer or commercial terms) the terms name them
    instead, and the entry title is the last resort. The value is the variant's entry id.
    """

    def labels(pick: Callable[[Entry], str]) -> list[str]:
        return [pick(v) for v in variants]

    by_surface = labels(lambda v: _surface_names(v.surfaces, knowledge))
    by_terms = labels(lambda v: _terms_names(v, knowledge))
    by_both = [f"{a} ({b})" for a, b in zip(by_surface, by_terms, strict=True)]
    chosen = next(
        (ls for ls in (by_surface, by_terms, by_both) if all(ls) and len(set(ls)) == len(ls)),
        labels(lambda v: v.title),
    )
    return [
        (option_label(label), variant.id, option_description(variant.title))
        for label, variant in zip(chosen, variants, strict=True)
    ][:SELECT_OPTIONS_MAX]


# ----------------------------------------------------------------------------- curation
CURATION_COLOUR = discord.Colour.orange()
NEEDS_STORAGE = "Curation needs the database, and this bot runs without one."
NOT_MANAGER = "Only members with Manage Server can choose the curator role."
UNKNOWN_ENTRY_ID = "There is no entry with that id. Pick one from the list as you type."
NOTHING_TO_TEACH = (
    "That gap is a 👎 without the asker's question, so there is no phrasing to teach: "
    "dismiss it, or fix the entry in the knowledge files."
)
NOT_YOURS = "Only the curator who ran the command can page through it. Run it yourself."
FEEDBACK_REASON_PROMPT = "What was wrong? (optional)"
FEEDBACK_REASON_ALREADY = "Your reason was already noted. Thanks!"
FEEDBACK_REASON_LABELS = {
    FeedbackReason.WRONG_SURFACE: "Wrong product or surface",
    FeedbackReason.OUTDATED: "Outdated",
    FeedbackReason.DID_NOT_ANSWER: "Didn't answer my question",
    FeedbackReason.OTHER: "Something else",
}
GAPS_PER_PAGE = 10
REVIEW_PER_PAGE = 10
#: How much of a gap's sample question a listing line shows.
GAP_SAMPLE_MAX = 90


def feedback_reason_options() -> list[tuple[str, str]]:
    """(label, value) for the select offered after a 👎."""
    return [(option_label(label), str(reason)) for reason, label in FEEDBACK_REASON_LABELS.items()]


def feedback_reason_noted(reason: str) -> str:
    label = FEEDBACK_REASON_LABELS.get(FeedbackReason(reason), "Something else")
    return f"Noted: {label.lower()}. Thanks, the curators will look at it."


def _when(moment: datetime) -> str:
    """A Discord timestamp: each reader sees it relative to now, in their own time zone."""
    return f"<t:{int(moment.timestamp())}:R>"


def _entry_ref(entry_id: str | None, knowledge: Knowledge) -> str:
    if not entry_id:
        return "none"
    entry = knowledge.entries.get(entry_id)
    title = (
        f" {escape_markdown(clip(entry.title, 60))}" if entry else " (no longer in the knowledge)"
    )
    return f"`{entry_id}`{title}"


def gap_line(group: GapGroup, knowledge: Knowledge) -> str:
    """One gap group in a listing: id, count, last seen, sample, best candidate (or outcome)."""
    head = (
        f"**#{group.id}** · asked {group.count}× · last {_when(group.last_seen)}"
        f"\n“{escape_user(group.question, GAP_SAMPLE_MAX)}”"
    )
    if group.status == GapStatus.RESOLVED:
        return f"{head}\n→ resolved to {_entry_ref(group.resolved_entry_id, knowledge)}"
    if group.status == GapStatus.DISMISSED:
        why = escape_user(group.dismiss_reason or "", 100) or "no reason given"
        return f"{head}\n→ dismissed: {why}"
    if group.best_entry_id is None:
        return f"{head}\n→ no candidate"
    score = f" ({group.best_score:.0f})" if group.best_score is not None else ""
    return f"{head}\n→ best candidate {_entry_ref(group.best_entry_id, knowledge)}{score}"


def gaps_page(
    groups: Sequence[GapGroup],
    knowledge: Knowledge,
    *,
    page: int,
    total_groups: int,
    status: str,
    surface: str | None,
) -> Page:
    """One page of `/gaps list`: the groups already fetched for this page, ranked by count."""
    total = max(1, math.ceil(total_groups / GAPS_PER_PAGE))
    where = f" on {knowledge.surfaces[surface].name}" if surface in knowledge.surfaces else ""
    embed = discord.Embed(
        title=f"{status.capitalize()} gaps{where}: {total_groups}",
        description="\n\n".join(gap_line(g, knowledge) for g in groups)
        or f"No {status} gaps{where}.",
        colour=CURATION_COLOUR,
    )
    footer = f"Page {page + 1} of {total}"
    if status == GapStatus.OPEN and groups:
        footer += " · /gaps resolve gap:<id> entry:<entry> teaches the bot the phrasing"
    embed.set_footer(text=footer)
    return Page(fit_embed(embed), page, total)


def gap_resolved(group: GapGroup, entry: Entry, now: Entry | None = None,
                 taught: str | None = None) -> str:
    """What `/gaps resolve` did, in one message, and what the question gets when asked now.

    `now` is the entry the bot answers the taught question with (asked with no surface), so
    the curator is told the truth when it is not the one taught: a general entry and its
    per-surface versions answer each other's questions by the surface named, and a wording
    another entry already has decides nothing. `taught` is the curator's own wording, when
    given instead of the question as asked.
    """
    head = (f"Gap #{group.id} resolved: “{escape_user(taught or group.question, 300)}” is now "
            f"an alternate question of **{escape_markdown(entry.title)}** (`{entry.id}`)")
    if now is not None and now.id == entry.id:
        effect = ", answered that way for everyone from now on."
    elif now is not None:
        effect = (f". Asked now with no surface named it gets **{escape_markdown(now.title)}** "
                  f"(`{now.id}`) instead: its general or per-surface version, or an entry "
                  "with the same wording.")
    else:
        effect = (". Asked now it still gets no answer: another entry has the same wording, "
                  "so teach a more specific one.")
    return clip(head + effect + " `policybot aliases export` writes it out for knowledge/.",
                CONTENT_MAX)


def gap_dismissed(group: GapGroup) -> str:
    why = escape_user(group.dismiss_reason or "", 300)
    return clip(
        f"Gap #{group.id} (“{escape_user(group.question, 300)}”, asked {group.count}×) "
        f"dismissed{': ' + why if why else ''}.",
        CONTENT_MAX,
    )


def gaps_exported(rows: int) -> str:
    return f"{rows} gap group(s), every status. Spreadsheet formulas in questions are defused."


def gaps_export_filename(today: str) -> str:
    return f"policybot-gaps-{today}.csv"


def reload_problems_embed(problems: Sequence[Problem], knowledge: Knowledge) -> discord.Embed:
    """Why a reload was refused: every problem as file:line [entry] message. Fix: …"""
    lines = [f"• {escape_markdown(str(p))}" for p in problems]
    kept: list[str] = []
    budget = DESCRIPTION_MAX - 400
    for line in lines:
        line = clip(line, 600)
        if sum(len(k) + 1 for k in kept) + len(line) > budget:
            break
        kept.append(line)
    more = len(lines) - len(kept)
    tail = f"\n…and {more} more: `policybot kb check` lists them all." if more else ""
    embed = discord.Embed(
        title=f"Knowledge not reloaded: {len(problems)} problem(s)",
        description=(
            f"Still serving the current knowledge ({len(knowledge.entries)} entries, "
            f"version {knowledge.version[:12] or '?'}). Fix these and run /kb reload again.\n\n"
            + "\n".join(kept)
            + tail
        ),
        colour=discord.Colour.red(),
    )
    return fit_embed(embed)


def reload_ok_embed(before: Knowledge, after: Knowledge, aliases: int) -> discord.Embed:
    """What a successful reload changed: entries before/after, versions, what needs a sync."""
    added = sorted(set(after.entries) - set(before.entries))
    removed = sorted(set(before.entries) - set(after.entries))
    embed = discord.Embed(title="Knowledge reloaded", colour=CURATION_COLOUR)
    embed.add_field(
        name="Entries", value=f"{len(before.entries)} → {len(after.entries)}", inline=True
    )
    embed.add_field(
        name="Version",
        value=f"{before.version[:12] or '?'} → {after.version[:12] or '?'}",
        inline=True,
    )
    embed.add_field(name="Curator phrasings kept", value=str(aliases), inline=True)
    if added:
        embed.add_field(name="Added", value=clip(", ".join(added), 1000), inline=False)
    if removed:
        embed.add_field(name="Removed", value=clip(", ".join(removed), 1000), inline=False)
    if set(before.surfaces) != set(after.surfaces):
        embed.add_field(
            name="Surfaces changed",
            value="Per-surface commands follow after a restart and `policybot sync`.",
            inline=False,
        )
    if before.version == after.version:
        embed.description = "Nothing changed on disk."
    return fit_embed(embed)


def stats_embed(stats: Stats, knowledge: Knowledge, top_entries: int = 10) -> discord.Embed:
    """`/kb stats`: questions and outcomes, votes per entry, the most-asked open gaps."""
    embed = discord.Embed(title="policybot statistics", colour=CURATION_COLOUR)
    embed.add_field(name="Questions seen", value=str(stats.questions), inline=True)
    embed.add_field(
        name="Answered / suggested / unanswered",
        value=f"{stats.answered} / {stats.suggested} / {stats.unanswered}",
        inline=True,
    )
    embed.add_field(name="Suggestions clicked", value=str(stats.suggestion_clicks), inline=True)
    ranked = sorted(stats.feedback, key=lambda t: (-t.down, -(t.up + t.down), t.entry_id))
    votes = "\n".join(
        f"👍 {t.up} · 👎 {t.down} · {_entry_ref(t.entry_id, knowledge)}"
        for t in ranked[:top_entries]
    )
    embed.add_field(
        name="Votes per entry (most 👎 first)", value=votes or "No votes yet.", inline=False
    )
    gaps = "\n".join(
        f"#{g.id} · {g.count}× · “{escape_user(g.question, 70)}”" for g in stats.top_gaps
    )
    embed.add_field(
        name=f"Top open gaps ({stats.open_gaps} open)", value=gaps or "None.", inline=False
    )
    return fit_embed(embed)


def review_page(items: Sequence[tuple[Entry, Sequence[str]]], page: int) -> Page:
    """One page of `/kb review`: each entry with why it is due (its note, an old source)."""
    total = max(1, math.ceil(len(items) / REVIEW_PER_PAGE))
    page = min(max(page, 0), total - 1)
    chunk = items[page * REVIEW_PER_PAGE : (page + 1) * REVIEW_PER_PAGE]
    lines = [
        f"**{escape_markdown(clip(entry.title, 100))}** (`{entry.id}`, {entry.file}:{entry.line})\n"
        + "\n".join(f"• {escape_markdown(clip(why, 300))}" for why in reasons)
        for entry, reasons in chunk
    ]
    embed = discord.Embed(
        title=f"Due for review: {len(items)} entr{'y' if len(items) == 1 else 'ies'}",
        description="\n\n".join(lines) or "Nothing is due for review.",
        colour=CURATION_COLOUR,
    )
    embed.set_footer(text=f"Page {page + 1} of {total}")
    return Page(fit_embed(embed), page, total)


def curator_role_set(role_name: str | None) -> str:
    if role_name is None:
        return "Curator role cleared: only members with Manage Server can curate now."
    return (
        f"Members with the {escape_user(role_name, 100)} role can now use /gaps and /kb "
        "here, as well as members with Manage Server."
    )
