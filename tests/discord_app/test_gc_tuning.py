"""`policybot run` exempts its start-up heap from collection and collects the young less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.discord_app import launch


@pytest.fixture
def restored_gc() -> Iterator[None]:
    """The test process's collector as it was: nothing frozen, the usual thresholds."""
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_start_up_objects_are_frozen_and_young_collections_are_rarer(restored_gc: None) -> None:
    built_at_start = {"knowledge": [list(range(3)) for _ in range(100)]}
    _young, middle, old = gc.get_threshold()
    launch.tune_garbage_collector()
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(built_at_start)
    assert all(o is not built_at_start for o in gc.get_objects())  # frozen: never scanned
    assert gc.get_threshold() == (launch.YOUNG_GC_THRESHOLD, middle, old)


def test_cycles_made_after_start_up_are_still_collected(restored_gc: None) -> None:
    launch.tune_garbage_collector()
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
