"""The question guard on its own: a burst allowance per member, then a polite wait."""

from __future__ import annotations

from bot.discord_app.guards import QuestionGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_wait_then_window_slides() -> None:
    clock = Clock()
    guard = QuestionGuard(10.0, 0.0, burst=3, clock=clock)
    for step in (0, 2, 2):  # questions at t=0, 2 and 4
        clock.now += step
        assert guard.admit(7) == 0.0
    assert guard.admit(7) == 6.0, "the fourth waits for the first to leave the window"
    assert guard.admit(8) == 0.0, "another member is not held up"
    clock.now += 6.5  # t=10.5: only the first question has left the window
    assert guard.admit(7) == 0.0
    assert guard.admit(7) == 1.5, "the next waits for the question asked at t=2"


def test_zero_seconds_turns_the_cooldown_off() -> None:
    guard = QuestionGuard(0.0, 0.0, burst=1)
    assert all(guard.admit(1) == 0.0 for _ in range(50))
