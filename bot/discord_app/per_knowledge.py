"""The invalidation rule shared by the caches of things built once per knowledge version.

Answer cards and answer components depend only on entries and the knowledge, so they are
built once and reused; what makes that safe is the same for both, and kept here once: a
different knowledge object (a reload) empties the cache, and an entry that is not the
current knowledge's own object (a question answered from the knowledge a reload just
replaced) must be built fresh rather than cached.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from bot.knowledge.model import Entry, Knowledge

T = TypeVar("T")


class PerKnowledge(Generic[T]):
    """Values keyed by tuples of strings, valid for one knowledge object."""

    def __init__(self) -> None:
        self._knowledge: Knowledge | None = None
        self._items: dict[tuple[str, ...], T] = {}

    def __len__(self) -> int:
        return len(self._items)

    def _store(self, knowledge: Knowledge) -> dict[tuple[str, ...], T]:
        """The values for `knowledge`, emptied first if it is not the one they were built for."""
        if knowledge is not self._knowledge:
            self._knowledge, self._items = knowledge, {}
        return self._items

    @staticmethod
    def _current(knowledge: Knowledge, *entries: Entry) -> bool:
        """Whether every entry is `knowledge`'s own object, so a cached value may serve it."""
        return all(knowledge.entries.get(e.id) is e for e in entries)
