"""The console front end through its real CLI: the JSON contract and the batch guarantees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = str(Path(__file__).resolve().parents[1] / "fixtures" / "knowledge_min")
ENTRY_FIELDS = {"entry_id", "title", "answer", "quote", "source_url", "source_title", "verified"}
RESULT_FIELDS = {"question", "outcome", "entry_id", "score", "surface", "title", "answer",
                 "quote", "source_url", "source_title", "verified", "varies_by_surface",
                 "variants", "suggestions"}


def cli(*args: str, stdin: str | None = None, knowledge: str | None = FIXTURE
        ) -> subprocess.CompletedProcess[str]:
    extra = ["--knowledge", knowledge] if knowledge else []
    return subprocess.run([sys.executable, "-m", "bot", *args, *extra], input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def test_ask_json_answer_has_every_contract_field() -> None:
    out = cli("ask", "--json", "does the app train on my convos?")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= RESULT_FIELDS
    assert data["outcome"] == "answer" and data["entry_id"] == "app-training"
    assert data["source_url"] == "https://example.com/privacy"
    assert data["verified"] == "2026-01-15" and data["surface"] == "acme-app"
    assert data["varies_by_surface"] is False and data["variants"] == []


def test_ask_json_surface_dependent_answer_carries_variants() -> None:
    data = json.loads(cli("ask", "--json", "is training on by default?").stdout)
    assert data["entry_id"] == "training-default" and data["varies_by_surface"] is True
    assert [v["entry_id"] for v in data["variants"]] == ["app-training", "api-training"]
    assert all(set(v) >= ENTRY_FIELDS for v in data["variants"])


def test_explicit_surface_picks_the_variant() -> None:
    data = json.loads(cli("ask", "--json", "--surface", "acme-api",
                          "is training on by default?").stdout)
    assert data["entry_id"] == "api-training" and data["surface"] == "acme-api"


@pytest.mark.parametrize("name", ["ACME-API", "acme_api", "Acme API", "the api",
                                  "Acme API/api key"])
def test_surface_may_be_named_by_id_in_any_case_or_by_its_words(name: str) -> None:
    # Scripts and batch files name surfaces their own way; the knowledge's words decide.
    data = json.loads(cli("ask", "--json", "--surface", name,
                          "is training on by default?").stdout)
    assert data["entry_id"] == "api-training" and data["surface"] == "acme-api"
    row = json.loads(cli("ask", "--batch", "-", stdin=json.dumps(
        {"question": "is training on by default?", "surface": name}) + "\n").stdout)
    assert row["surface"] == "acme-api" and "error" not in row


def test_unknown_surface_is_a_clear_error() -> None:
    out = cli("ask", "--surface", "nope", "hello")
    assert out.returncode == 2 and "unknown surface 'nope'" in out.stderr


def test_ask_text_output_shows_quote_link_and_date() -> None:
    out = cli("ask", "--explain", "how long does the app keep my messages")
    assert "“Messages are retained for 60 days.”" in out.stdout
    assert "https://example.com/privacy" in out.stdout and "verified 2026-01-15" in out.stdout
    assert "Why:" in out.stdout and "decision:" in out.stdout


@pytest.mark.parametrize("question", ["", "   ", "\u200b\u200b", "hey thanks!"])
def test_empty_input_is_outcome_none(question: str) -> None:
    out = cli("ask", "--json", question)
    assert out.returncode == 0
    assert json.loads(out.stdout)["outcome"] == "none"


def test_batch_one_line_out_per_line_in_even_when_lines_are_bad() -> None:
    lines = [
        json.dumps({"question": "does the app train on my convos?", "surface": None}),
        "this is not json",
        json.dumps({"question": "x" * 5000, "surface": None}),
        "",
        json.dumps({"question": "是否使用我的数据进行训练", "surface": "acme-app"}),
        json.dumps({"question": "is training on by default", "surface": "nowhere"}),
        json.dumps([1, 2, 3]),
        json.dumps({"question": 42}),
        json.dumps({"question": "\u200b\u202e\u0301"}),
        json.dumps({"q": "does the app train on my convos?"}),
        json.dumps({"text": "does the app train on my convos?"}),
    ]
    out = cli("ask", "--batch", "-", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == len(lines)
    assert all(set(row) >= RESULT_FIELDS for row in rows)
    assert rows[0]["outcome"] == "answer"
    assert "error" in rows[1] and rows[1]["outcome"] == "none"
    assert rows[3]["outcome"] == "none"
    assert rows[5]["error"].startswith("unknown surface")
    assert rows[7]["outcome"] == "none" and "must be a string" in rows[7]["error"]
    assert rows[8]["outcome"] == "none"
    assert rows[9]["outcome"] == "answer" and "error" not in rows[9]  # an eval item's "q"
    assert rows[10]["outcome"] == "none" and "no 'question' field" in rows[10]["error"]
    assert "error" not in rows[3]  # a blank line is an empty question, not a mistake


def test_batch_survives_undecodable_bytes_bom_and_lone_surrogates(tmp_path: Path) -> None:
    """Input that no UTF-8 output can echo back used to end the batch with a traceback."""
    lines = [
        "\ufeff".encode() + json.dumps({"question": "retention?"}).encode(),
        b'{"question": "bad \xff\xfe bytes"}',
        b'{"question": "lone \\ud800 surrogate", "id": "x\\udc00"}',
        json.dumps({"question": "does the app train on my convos?"}).encode(),
        b'{"question": "stray \r return"}\r',  # one line (JSON Lines ends lines at \n)
    ]
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "odd.jsonl"
    path.write_bytes(data)
    for source, stdin in (("-", data), (str(path), None)):
        out = subprocess.run([sys.executable, "-m", "bot", "ask", "--batch", source,
                              "--knowledge", FIXTURE], input=stdin, capture_output=True,
                             timeout=60, check=False)
        assert out.returncode == 0, out.stderr
        rows = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
        assert [r["question"] for r in rows] == [
            "retention?", "bad \ufffd\ufffd bytes", "lone \ufffd surrogate",
            "does the app train on my convos?", None]
        assert "not JSON" in rows[4]["error"]
        assert rows[2]["id"] == "x\ufffd" and "error" not in rows[0]
        assert rows[3]["outcome"] == "answer"


def test_batch_from_file(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps({"question": q}) for q in ["retention?", "hi"]) + "\n",
                    encoding="utf-8")
    rows = [json.loads(x) for x in cli("ask", "--batch", str(path)).stdout.splitlines()]
    assert [r["question"] for r in rows] == ["retention?", "hi"]


def test_kb_check_reports_problems_and_exits_1(tmp_path: Path) -> None:
    out = cli("kb", "check", str(tmp_path), knowledge=None)
    assert out.returncode == 1
    assert "sources.yaml" in out.stdout and "file is missing" in out.stdout


def test_kb_check_and_export_on_fixture() -> None:
    out = cli("kb", "check", FIXTURE, knowledge=None)
    assert out.returncode == 0 and out.stdout.startswith("OK: 4 entries")
    data = json.loads(cli("kb", "export", FIXTURE, "--json", knowledge=None).stdout)
    assert {e["entry_id"] for e in data["entries"]} >= {"app-training", "training-default"}
    assert data["entries"][0]["source_url"].startswith("https://")
    assert data["comparison"]["columns"] == ["personal", "business"]
    assert data["out_of_scope"] == []
    assert next(s for s in data["surfaces"] if s["id"] == "acme-app")["hints"] == ["learn toggle"]


def test_console_reads_until_eof() -> None:
    out = cli("console", stdin=":surface acme-api\nis training on by default\n:q\n")
    assert out.returncode == 0
    assert "surface: acme-api" in out.stdout and "Does the Acme API train" in out.stdout


def test_console_commands_are_never_asked_as_questions() -> None:
    out = cli("console", stdin=":help\n:surfaces\n:surface nowhere\n:bogus\n"
                               ":explain\nis training on by default\n:q\n")
    assert out.returncode == 0
    assert ":surface ID" in out.stdout and "acme-api" in out.stdout
    assert "no surface is called 'nowhere'" in out.stdout
    assert "unknown command ':bogus'" in out.stdout
    assert "explanations off" in out.stdout
    # One question was asked, with its explanation hidden; no command became a question.
    alone = cli("console", stdin=":explain\nis training on by default\n:q\n")
    assert out.stdout.count("verified") == alone.stdout.count("verified") > 0
    assert "No confident answer" not in out.stdout and "Nothing to look up" not in out.stdout
    assert "normalised:" not in out.stdout  # the "Why:" part of an answer


def test_set_overrides_a_matcher_setting_for_one_run() -> None:
    question = "does the app train on my convos?"
    assert json.loads(cli("ask", "--json", question).stdout)["outcome"] == "answer"
    strict = cli("ask", "--json", question, "--set", "answer_threshold=101",
                 "--set", "answer_floor=101", "--set", "confident=101")
    assert strict.returncode == 0, strict.stderr
    assert json.loads(strict.stdout)["outcome"] != "answer"
    refused = cli("ask", question, "--set", "margin")
    assert refused.returncode == 2 and "NAME=VALUE" in refused.stderr


def _strict_json(line: str) -> dict:
    """Parse as RFC 8259 JSON: NaN and Infinity are not JSON (jq and browsers refuse them)."""
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(line, parse_constant=refuse)


def test_batch_output_is_strict_json_whatever_numbers_come_in() -> None:
    # Python's json reads NaN/Infinity and 1e999; echoing them as an "id" wrote NaN/Infinity,
    # which no strict JSON reader accepts.
    lines = ['{"question": "retention?", "id": NaN}',
             '{"question": "retention?", "id": Infinity}',
             '{"question": "retention?", "id": 1e999}',
             '{"question": "retention?", "id": [-Infinity]}',
             '{"question": "retention?", "id": 7}']
    out = cli("ask", "--batch", "-", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    rows = [_strict_json(line) for line in out.stdout.splitlines()]
    assert len(rows) == len(lines)
    assert all("error" in row for row in rows[:4])
    assert rows[4]["id"] == 7 and "error" not in rows[4]


def test_batch_applies_the_surface_option_to_lines_that_name_none() -> None:
    # `--surface` was checked and then dropped in batch mode: every line was asked without it.
    lines = [json.dumps({"question": "is training on by default?"}),
             json.dumps({"question": "is training on by default?", "surface": "acme-app"})]
    out = cli("ask", "--batch", "-", "--surface", "acme-api", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows[0]["surface"] == "acme-api" and rows[0]["entry_id"] == "api-training"
    assert rows[1]["surface"] == "acme-app" and rows[1]["entry_id"] == "app-training"


@pytest.mark.parametrize("name", ["missing.jsonl", "."])
def test_batch_file_that_cannot_be_read_is_a_clear_error(tmp_path: Path, name: str) -> None:
    out = cli("ask", "--batch", str(tmp_path / name))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "cannot read" in out.stderr
