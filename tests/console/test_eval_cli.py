"""`policybot eval` through its real CLI: one file, several files, and the held-out pool."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = str(Path(__file__).resolve().parents[1] / "fixtures" / "knowledge_min")

TUNED = """questions:
  - q: "does the app train on my convos?"
    expect: app-training
    split: dev
  - q: "tell me a joke"
    expect: null
    split: dev
"""
HELD = """questions:
  - q: "how long does the app keep my messages"
    expect: app-retention
    split: test
  - q: "what does acme cost per month"
    expect: null
    split: test
  - q: "does the app train on my convos?"
    expect: app-retention
    split: test
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "eval", *args, "--knowledge", FIXTURE],
                          capture_output=True, text=True, timeout=60, check=False)


def sets(tmp_path: Path) -> tuple[str, str]:
    tuned, held = tmp_path / "tuned.yaml", tmp_path / "held.yaml"
    tuned.write_text(TUNED, encoding="utf-8")
    held.write_text(HELD, encoding="utf-8")
    return str(tuned), str(held)


def test_one_file_reports_without_pools(tmp_path: Path) -> None:
    tuned, _ = sets(tmp_path)
    out = cli(tuned, "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["questions"] == 2 and "pools" not in report
    assert report["overall"]["correct"] == 1 and report["overall"]["correct_abstain"] == 1


def test_several_files_pool_the_held_out_splits(tmp_path: Path) -> None:
    tuned, held = sets(tmp_path)
    out = cli(tuned, held, "--held", "test", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["questions"] == 5 and set(report["splits"]) == {"dev", "test"}
    pools = report["pools"]
    assert pools["tuned"]["answerable"] == 1 and pools["tuned"]["correct"] == 1
    # The held pool: one right answer, one wrong (the entry answers, the label says
    # otherwise), one must-not question left alone.
    assert pools["held"]["answerable"] == 2 and pools["held"]["unanswerable"] == 1
    assert pools["held"]["correct"] == 1 and pools["held"]["wrong"] == 1
    assert pools["held"]["correct_abstain"] == 1
    overall = report["overall"]
    assert overall["correct"] == pools["tuned"]["correct"] + pools["held"]["correct"]
    text = cli(tuned, held, "--held", "test").stdout
    assert "pool held (held-out splits)" in text and "pool tuned (all other splits)" in text


def test_held_naming_an_unknown_split_is_refused(tmp_path: Path) -> None:
    tuned, held = sets(tmp_path)
    out = cli(tuned, held, "--held", "test,holdout")
    assert out.returncode == 2
    assert "holdout" in out.stderr and out.stdout == ""


def test_sweep_prints_one_row_per_value(tmp_path: Path) -> None:
    tuned, held = sets(tmp_path)
    out = cli(tuned, held, "--held", "test", "--sweep", "answer_threshold=10,101", "--json")
    assert out.returncode == 0, out.stderr
    table = json.loads(out.stdout)
    assert table["setting"] == "answer_threshold"
    low, high = table["rows"]
    assert (low["value"], high["value"]) == (10.0, 101.0)
    # An unreachable bar answers nothing the lower bar answered.
    assert low["overall"]["correct"] >= 1
    assert high["pools"]["held"]["correct"] <= low["pools"]["held"]["correct"]
    text = cli(tuned, held, "--held", "test", "--sweep", "answer_threshold=10,101").stdout
    assert text.splitlines()[0].split() == ["answer_threshold", "overall", "tuned", "held"]
    assert len(text.splitlines()) == 4


def test_set_changes_the_figures_and_typos_are_refused(tmp_path: Path) -> None:
    tuned, _ = sets(tmp_path)
    base = json.loads(cli(tuned, "--json").stdout)["overall"]
    strict = cli(tuned, "--json", "--set", "answer_threshold=101", "--set", "answer_floor=101",
                 "--set", "confident=101")
    assert strict.returncode == 0, strict.stderr
    assert base["correct"] == 1 and json.loads(strict.stdout)["overall"]["correct"] == 0
    typo = cli(tuned, "--set", "answer_treshold=60")
    assert typo.returncode == 2 and "did you mean 'answer_threshold'" in typo.stderr
    bad = cli(tuned, "--sweep", "margin=5,lots")
    assert bad.returncode == 2 and "must be a number" in bad.stderr


@pytest.mark.parametrize(("text", "says"), [
    (None, "cannot read"),
    ("questions: [\n", "not valid YAML"),
    ("questions:\n  - just a string\n", "item 1"),
    ("questions:\n  - q: x\n    expect: [a, b]\n", "item 1"),
    ("questions:\n  - q: x\n  - q: y\n    also: 3\n", "item 2"),
])
def test_unusable_question_set_is_a_clear_error(tmp_path: Path, text: str | None,
                                                 says: str) -> None:
    # Each of these ended in a Python traceback (FileNotFoundError, a YAML ParserError,
    # AttributeError, "unhashable type: 'list'") instead of naming the file and the problem.
    path = tmp_path / "set.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    out = cli(str(path))
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert str(path) in out.stderr and says in out.stderr


def test_surfaces_are_read_by_name_and_unknown_ones_refused(tmp_path: Path) -> None:
    # An unknown surface used to be ignored: the item was asked without one, silently.
    named = tmp_path / "named.yaml"
    named.write_text('questions:\n  - q: "how long does it keep my messages"\n'
                     '    surface: Acme App\n    expect: app-retention\n', encoding="utf-8")
    assert cli(str(named)).returncode == 0
    stranger = tmp_path / "stranger.yaml"
    stranger.write_text('questions:\n  - q: "how long does it keep my messages"\n'
                        '    surface: nowhere\n    expect: app-retention\n', encoding="utf-8")
    out = cli(str(stranger))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "unknown surface" in out.stderr and "nowhere" in out.stderr
