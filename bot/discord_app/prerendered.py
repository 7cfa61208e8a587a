"""Answer components rendered once per knowledge version, and only re-keyed per reply.

Building the 👍 👎 / "Why this answer?" / source-link row with discord.py objects (a `View`,
three `DynamicItem`s wrapping `Button`s, a link `Button`) costs more per reply than sending
the answer card, and all of it but the question key in three `custom_id`s depends only on
the entry and the knowledge. So the row is built once with the real builders in `views`,
rendered with `to_components()`, and each reply gets a copy with its own key.

Clicks do not need the item objects: every component is a `DynamicItem` registered with the
bot (`views.DYNAMIC_ITEMS`), which discord.py finds by `custom_id`, exactly as it does for
answers sent before a restart. discord.py never stores a view made only of those
(`ViewStore.add_view` keeps only non-dynamic items), so sending a `PrerenderedView`
leaves the same state behind as sending the built one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_app import views
from bot.discord_app.per_knowledge import PerKnowledge
from bot.knowledge.model import Entry, Knowledge

#: The key answer rows are rendered with; every keyed `custom_id` ends in ":" + this.
_TEMPLATE_KEY = 0
_KEY_SUFFIX = f":{_TEMPLATE_KEY}"


class PrerenderedView(discord.ui.View):
    """A persistent view whose component payload is already rendered.

    It holds no items (so discord.py has nothing to dispatch or store for it) and returns
    the given payload from `to_components`, the one method discord.py reads it with.
    """

    def __init__(self, components: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rendered = components

    def to_components(self) -> list[dict[str, Any]]:
        return self._rendered


def _copy(value: Any) -> Any:
    """A copy of a rendered payload sharing no dict or list with it (cheaper than deepcopy)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


class _Template:
    """A rendered view with the places where the question key goes."""

    __slots__ = ("components", "keyed")

    def __init__(self, components: list[dict[str, Any]], keyed: bool) -> None:
        self.components = components
        self.keyed = keyed

    def render(self, key: int) -> list[dict[str, Any]]:
        rows = _copy(self.components)
        if self.keyed:
            suffix = f":{key}"
            for row in rows:
                for component in row["components"]:
                    custom_id = component.get("custom_id")
                    if custom_id is not None:
                        component["custom_id"] = custom_id[: -len(_KEY_SUFFIX)] + suffix
        return rows


def _answer_template(entry: Entry, knowledge: Knowledge) -> _Template:
    rendered = views.answer_view(entry, knowledge, _TEMPLATE_KEY).to_components()
    for row in rendered:
        for component in row["components"]:
            custom_id = component.get("custom_id")
            if custom_id is not None and not custom_id.endswith(_KEY_SUFFIX):
                raise ValueError(f"answer component {custom_id!r} does not end in its key")
    return _Template(rendered, keyed=True)


class AnswerComponents(PerKnowledge[_Template]):
    """Answer and side-by-side components, rendered once per knowledge like `AnswerCards`.

    A reload empties the cache, and an entry from replaced knowledge is built fresh with the
    real builders (see `PerKnowledge`).
    """

    def answer(self, entry: Entry, knowledge: Knowledge, key: int) -> discord.ui.View:
        """The components of `views.answer_view(entry, knowledge, key)`."""
        if not self._current(knowledge, entry):
            return views.answer_view(entry, knowledge, key)
        templates = self._store(knowledge)
        template = templates.get(("answer", entry.id))
        if template is None:
            template = templates[("answer", entry.id)] = _answer_template(entry, knowledge)
        return PrerenderedView(template.render(key))

    def variants(
        self, entry: Entry, variants: Sequence[Entry], knowledge: Knowledge
    ) -> discord.ui.View:
        """The components of `views.variants_view(entry, variants, knowledge)`."""
        if not self._current(knowledge, entry, *variants):
            return views.variants_view(entry, list(variants), knowledge)
        templates = self._store(knowledge)
        name = ("variants", entry.id, *(v.id for v in variants))
        template = templates.get(name)
        if template is None:
            rendered = views.variants_view(entry, list(variants), knowledge).to_components()
            template = templates[name] = _Template(rendered, keyed=False)
        return PrerenderedView(template.render(0))

    def warm(self, knowledge: Knowledge) -> int:
        """Render every entry's answer row ahead of the first question; how many there are."""
        for entry in knowledge.entries.values():
            self.answer(entry, knowledge, _TEMPLATE_KEY)
        return len(self._store(knowledge))
