"""Matcher settings from matching.yaml and `--set`: a typo or a bad value is refused, never
silently ignored (the default would stay in force while the curator thinks it changed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.match_settings import MatchSettings, override_problem, parse_assignment
from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.knowledge.loader import check_knowledge, load_knowledge

MIN = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge_min"
QUESTION = "does the app train on my convos?"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(MIN, target)
    return target


def test_assignments_take_the_setting_type() -> None:
    assert parse_assignment("answer_threshold=60") == ("answer_threshold", 60.0)
    assert parse_assignment(" max_entries = 5 ") == ("max_entries", 5)
    assert parse_assignment("fuzz_scorer=WRatio") == ("fuzz_scorer", "WRatio")


@pytest.mark.parametrize(("text", "says"), [
    ("answer_treshold=60", "did you mean 'answer_threshold'"),
    ("max_entries=1.5", "whole number"),
    ("max_entries=0", "at least 1"),
    ("margin=lots", "must be a number"),
    ("answer_threshold=nan", "finite"),
    ("fuzz_scorer=__class__", "rapidfuzz.fuzz scorer"),
    ("fuzz_scorer=no_such_scorer", "rapidfuzz.fuzz scorer"),
    ("answer_threshold", "NAME=VALUE"),
    ("=5", "NAME=VALUE"),
])
def test_bad_assignments_say_why(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_assignment(text)


def test_overrides_keep_the_rest() -> None:
    changed = MatchSettings().with_overrides({"margin": 9, "max_suggestions": 1})
    assert changed.margin == 9.0 and isinstance(changed.margin, float)
    assert changed.max_suggestions == 1
    assert changed.answer_threshold == MatchSettings().answer_threshold
    assert override_problem("margin", True) is not None  # YAML 'yes' is not a number
    with pytest.raises(ValueError, match="unknown matching setting"):
        MatchSettings().with_overrides({"no_such": 1})


def test_matching_yaml_applies_to_the_service(kb: Path) -> None:
    before = AnswerService(load_knowledge(kb)).ask(QUESTION)
    assert before.outcome is Outcome.ANSWER
    (kb / "matching.yaml").write_text("settings:\n  answer_threshold: 101\n"
                                      "  answer_floor: 101\n  confident: 101\n"
                                      "  long_answer_threshold: 101\n", encoding="utf-8")
    knowledge = load_knowledge(kb)
    assert knowledge.matching["answer_threshold"] == 101
    service = AnswerService(knowledge)
    assert service.settings.answer_threshold == 101.0
    assert service.ask(QUESTION).outcome is not Outcome.ANSWER
    # A reload brings the new file's settings with it; explicit settings would win instead.
    (kb / "matching.yaml").write_text("settings: {}\n", encoding="utf-8")
    service.reload(load_knowledge(kb))
    assert service.settings == MatchSettings()
    assert service.ask(QUESTION).outcome is Outcome.ANSWER
    fixed = AnswerService(knowledge, MatchSettings())
    assert fixed.settings == MatchSettings()


def test_bad_matching_yaml_names_file_line_and_setting(kb: Path) -> None:
    (kb / "matching.yaml").write_text(
        "# overrides\nsettings:\n  margin: 5\n  answer_treshold: 60\n  max_entries: many\n",
        encoding="utf-8")
    knowledge, problems = check_knowledge(kb)
    assert knowledge is None
    by_entry = {p.entry: p for p in problems}
    assert set(by_entry) == {"answer_treshold", "max_entries"}
    assert by_entry["answer_treshold"].file.endswith("matching.yaml")
    assert by_entry["answer_treshold"].line == 4
    assert "did you mean 'answer_threshold'" in by_entry["answer_treshold"].message
    assert by_entry["max_entries"].line == 5


def test_matching_yaml_must_hold_a_mapping(kb: Path) -> None:
    (kb / "matching.yaml").write_text("settings:\n  - margin\n", encoding="utf-8")
    _, problems = check_knowledge(kb)
    assert [p.line for p in problems] == [1]
    assert "'settings' must be a mapping" in problems[0].message
