"""`also` in a question set: an answer from an equally complete entry counts as correct."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.evaluate import evaluate, load_items
from bot.core.service import AnswerService
from bot.knowledge import bundled_knowledge_dir, load_knowledge


@pytest.fixture(scope="module")
def service() -> AnswerService:
    return AnswerService(load_knowledge(bundled_knowledge_dir()))


def _set(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_an_also_entry_counts_as_correct(service: AnswerService, tmp_path: Path) -> None:
    question = "how long is the data export download link valid"
    got = service.ask(question).entry
    assert got is not None
    other = next(e for e in service.knowledge.entries if e != got.id)
    strict = evaluate(service, load_items(_set(tmp_path, (
        f"questions:\n  - q: {question!r}\n    expect: {other}\n"))))
    lenient = evaluate(service, load_items(_set(tmp_path, (
        f"questions:\n  - q: {question!r}\n    expect: {other}\n    also: [{got.id}]\n"))))
    assert strict["overall"]["wrong"] == 1 and strict["overall"]["correct"] == 0
    assert lenient["overall"]["correct"] == 1 and lenient["overall"]["wrong"] == 0
    assert strict["overall"]["ranked_first"] == 0 and lenient["overall"]["ranked_first"] == 1


def test_an_unknown_also_id_is_reported(service: AnswerService, tmp_path: Path) -> None:
    report = evaluate(service, load_items(_set(tmp_path, (
        "questions:\n  - q: 'is incognito kept'\n    expect: ai-incognito-retention\n"
        "    also: no-such-entry\n"))))
    assert report["unknown_expected_ids"] == {"no-such-entry": 1}
