"""The validator: every rule has a broken fixture, and each problem names file, line and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge.loader import (
    KnowledgeError,
    check_knowledge,
    count_sentences,
    load_knowledge,
)

MIN = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge_min"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(MIN, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture does not contain {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def problems_of(directory: Path) -> list:
    knowledge, problems = check_knowledge(directory)
    assert knowledge is None, "a broken knowledge base must not load"
    assert problems
    return problems


def test_good_fixture_loads() -> None:
    knowledge = load_knowledge(MIN)
    assert set(knowledge.entries) == {"app-training", "app-retention", "api-training",
                                      "training-default"}
    entry = knowledge.entries["app-retention"]
    assert entry.file.endswith("entries/app.yaml") and entry.line > 1
    assert knowledge.entries["training-default"].variants == ("app-training", "api-training")
    assert knowledge.comparison is not None and knowledge.comparison.rows[0].cells["business"]
    assert knowledge.surfaces["acme-app"].overview[0].key == "governing_terms"


def test_yaml_syntax_error_names_file_and_line(kb: Path) -> None:
    path = kb / "entries" / "api.yaml"
    edit(path, "    topic: training\n", "    topic: [training\n")
    [problem] = problems_of(kb)
    assert problem.file.endswith("entries/api.yaml")
    assert problem.line >= line_of(path, "topic: [training")
    assert "YAML syntax" in problem.message


def test_unknown_and_missing_keys(kb: Path) -> None:
    path = kb / "entries" / "app.yaml"
    edit(path, "    topic: retention\n", "    topik: retention\n")
    problems = problems_of(kb)
    messages = {p.message for p in problems}
    assert "unknown key 'topik' in entry" in messages
    assert "entry is missing 'topic'" in messages
    unknown = next(p for p in problems if "topik" in p.message)
    assert unknown.entry == "app-retention"
    assert unknown.line == line_of(path, "topik:")
    assert "topic" in unknown.fix


def test_wrong_type_and_empty_string(kb: Path) -> None:
    path = kb / "entries" / "app.yaml"
    edit(path, "    surfaces: [acme-app]\n    terms: [personal]\n    topic: training",
         "    surfaces: acme-app\n    terms: [personal]\n    topic: ''")
    problems = problems_of(kb)
    assert any("'surfaces' must be a list" in p.message and p.entry == "app-training"
               for p in problems)
    assert any("'topic' is empty" in p.message and p.line == line_of(path, "topic: ''")
               for p in problems)


def test_duplicate_id_across_files(kb: Path) -> None:
    edit(kb / "entries" / "api.yaml", "  - id: api-training", "  - id: app-training")
    problems = problems_of(kb)
    dup = next(p for p in problems if "duplicate entry id" in p.message)
    assert dup.entry == "app-training"
    assert {dup.file.split("/")[-1], dup.message.split("also at ")[1].split(":")[0]
            .split("/")[-1]} == {"app.yaml", "api.yaml"}


def test_dangling_references(kb: Path) -> None:
    path = kb / "entries" / "api.yaml"
    edit(path, "    source: acme-api-terms", "    source: nowhere")
    edit(path, "    variants: [app-training, api-training]", "    variants: [app-training, ghost]")
    edit(kb / "entries" / "app.yaml", "    related: [app-training]", "    related: [phantom]")
    edit(kb / "surfaces.yaml", "{text: 7 days., entries: [api-training]}",
         "{text: 7 days., entries: [missing-entry]}")
    messages = [str(p) for p in problems_of(kb)]
    assert any("source 'nowhere' does not exist" in m and "[api-training]" in m for m in messages)
    assert any("variant entry 'ghost'" in m and "[training-default]" in m for m in messages)
    assert any("related entry 'phantom'" in m for m in messages)
    assert any("unknown entry 'missing-entry'" in m and "surfaces.yaml" in m for m in messages)


def test_unknown_surface_and_terms(kb: Path) -> None:
    edit(kb / "entries" / "api.yaml", "    surfaces: [acme-api]\n    terms: [business]",
         "    surfaces: [acme-web]\n    terms: [enterprise]")
    messages = [p.message for p in problems_of(kb)]
    assert "surface 'acme-web' does not exist" in messages
    assert "terms 'enterprise' does not exist" in messages


def test_same_question_under_two_entries(kb: Path) -> None:
    path = kb / "entries" / "api.yaml"
    edit(path, "      - api training policy", "      - App Training Toggle?")
    problems = problems_of(kb)
    [problem] = [p for p in problems if "is also under entry" in p.message]
    assert {problem.entry, problem.message.split("also under entry ")[1].split()[0]} == {
        "api-training", "app-training"}
    assert str(line_of(path, "App Training Toggle?")) in str(problem)


def test_non_https_url_and_bad_dates(kb: Path) -> None:
    path = kb / "sources.yaml"
    edit(path, "url: https://example.com/privacy", "url: http://example.com/privacy")
    edit(path, 'verified: "2026-01-15"', 'verified: "15/01/2026"')
    edit(path, 'effective: "2025-01-01"', 'effective: "last spring"')
    problems = problems_of(kb)
    messages = {p.message for p in problems}
    assert "url 'http://example.com/privacy' is not https" in messages
    assert "verified '15/01/2026' is not an ISO date" in messages
    assert "effective 'last spring' holds no ISO date" in messages
    assert all(p.entry == "acme-privacy" for p in problems)


def test_discord_limits(kb: Path) -> None:
    path = kb / "entries" / "app.yaml"
    edit(path, "    title: How long does the Acme app keep my messages?",
         "    title: " + "x" * 300)
    edit(path, '    quote: "Messages are retained for 60 days."',
         '    quote: "' + "y" * 1100 + '"')
    edit(kb / "surfaces.yaml", "description: Ask about the Acme app",
         "description: " + "z" * 120)
    messages = [str(p) for p in problems_of(kb)]
    assert any("'title' is 300 characters, over the 256 limit" in m for m in messages)
    assert any("'quote' is 1100 characters" in m for m in messages)
    assert any("'description' is 120 characters, over the 100 limit" in m for m in messages)


def test_too_few_questions_and_long_answer(kb: Path) -> None:
    path = kb / "entries" / "api.yaml"
    edit(path, "      - api training policy\n      - do they train on api key traffic\n", "")
    edit(path, "without a contract.", "without a contract. One. Two. Three.")
    messages = [p.message for p in problems_of(kb)]
    assert "only 4 alternate questions" in messages
    assert "answer has 4 sentences" in messages


def test_overview_needs_all_seven_fields(kb: Path) -> None:
    edit(kb / "surfaces.yaml", "      human_review: {text: Only for abuse.,",
         "      moderation: {text: Only for abuse.,")
    messages = [p.message for p in problems_of(kb)]
    assert "unknown overview field 'moderation'" in messages
    assert "overview is missing 'human_review'" in messages


def test_bad_command_name(kb: Path) -> None:
    edit(kb / "surfaces.yaml", "name: acme-app\n", "name: Acme App\n")
    assert any("not a valid slash-command name" in p.message for p in problems_of(kb))


def test_all_problems_collected_at_once(kb: Path) -> None:
    edit(kb / "sources.yaml", "url: https://example.com/privacy", "url: ftp://x")
    edit(kb / "entries" / "app.yaml", "    topic: retention\n", "")
    edit(kb / "entries" / "api.yaml", "    source: acme-api-terms", "    source: nope")
    files = {p.file.split("/")[-1] for p in problems_of(kb)}
    assert files == {"sources.yaml", "app.yaml", "api.yaml"}


def test_load_knowledge_raises_with_every_problem(kb: Path) -> None:
    edit(kb / "entries" / "api.yaml", "    source: acme-api-terms", "    source: nope")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(kb)
    assert "nope" in str(info.value) and len(info.value.problems) == 1


def test_missing_directory() -> None:
    problems = check_knowledge("/nonexistent/knowledge")[1]
    assert "does not exist" in problems[0].message


def test_duplicate_yaml_key_is_reported(kb: Path) -> None:
    edit(kb / "entries" / "app.yaml", "    topic: retention\n",
         "    topic: retention\n    topic: other\n")
    [problem] = problems_of(kb)
    assert "duplicate key 'topic'" in problem.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("One. Two. Three.", 3), ("See e.g. the docs. Then act.", 2), ("Use claude.ai today.", 1),
     ("Go to Settings → Privacy. Toggle it.", 2), ("", 0)],
)
def test_count_sentences(text: str, expected: int) -> None:
    assert count_sentences(text) == expected


def test_out_of_scope_phrases_load_and_may_not_hide_an_entry(kb: Path) -> None:
    scope = kb / "scope.yaml"
    scope.write_text("out_of_scope:\n  - topic: prices\n    phrases: [pricing, \"429\"]\n",
                     encoding="utf-8")
    knowledge = load_knowledge(kb)
    assert knowledge.out_of_scope[0].topic == "prices"
    assert knowledge.out_of_scope[0].phrases == ("pricing", "429")
    scope.write_text("out_of_scope:\n  - topic: apps\n    phrases: [pricing, phone app]\n",
                     encoding="utf-8")
    problems = problems_of(kb)
    assert any(p.file.endswith("scope.yaml") and p.line == 3 and "phone app" in p.message
               for p in problems), problems


def test_out_of_scope_phrase_must_be_text(kb: Path) -> None:
    (kb / "scope.yaml").write_text("out_of_scope:\n  - topic: limits\n    phrases: [429]\n",
                                   encoding="utf-8")
    problems = problems_of(kb)
    assert any(p.file.endswith("scope.yaml") and p.line == 3 for p in problems), problems


@pytest.mark.parametrize("name", ["ask", "privacy", "forget-me", "kb"])
def test_command_name_of_the_bot_itself_is_refused(kb: Path, name: str) -> None:
    # `kb check` said OK, and the bot then failed to start: CommandAlreadyRegistered.
    edit(kb / "surfaces.yaml", "name: acme-app\n", f"name: {name}\n")
    problems = problems_of(kb)
    assert any(f"command name {name!r} is one of the bot's own" in p.message for p in problems)
    assert all(p.file.endswith("surfaces.yaml") and p.line for p in problems)
