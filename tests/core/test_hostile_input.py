"""Hostile input never breaks the engine: any Unicode, any length, bounded time per call."""

from __future__ import annotations

import io
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.console.ask import run_batch
from bot.core.normalise import Normaliser
from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.knowledge import bundled_knowledge_dir, load_knowledge

SERVICE = AnswerService(load_knowledge(bundled_knowledge_dir()))
NASTY = st.sampled_from([
    "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u0301", "\u0000", "\x1b[31m",
    "@everyone", "@here", "<@123456789012345678>", "<@&42>", "<#1>", "```", "**", "||",
    "[x](https://evil.example)", "\n", "ﷺ", "𝕯𝖆𝖙𝖆", "👩‍👩‍👧‍👦", "Ꙃ", "ǅ", "ß", "İ",
])
TEXT = st.lists(st.one_of(st.text(max_size=200), NASTY), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_normaliser_never_raises(text: str) -> None:
    norm = SERVICE.snapshot.index.normaliser(text)
    assert isinstance(norm.text, str)
    assert all(token.strip() for token in norm.tokens)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.sampled_from([None, *SERVICE.knowledge.surfaces, "bogus"]))
def test_matcher_always_decides(text: str, surface: str | None) -> None:
    result = SERVICE.ask(text, surface)
    assert result.outcome in set(Outcome)
    if result.outcome is Outcome.ANSWER:
        assert result.entry is not None and result.entry.id in SERVICE.knowledge.entries
    assert len(result.suggestions) <= 3


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(TEXT.filter(bool), st.integers(min_value=5000, max_value=10000))
def test_long_random_text_is_bounded(seed: str, length: int) -> None:
    text = (seed * (length // len(seed) + 1))[:length]
    start = time.perf_counter()
    SERVICE.ask(text)
    assert time.perf_counter() - start < 0.5  # a generous ceiling; the benchmark gives figures


@pytest.mark.parametrize("text", [
    "a" * 10_000, "data " * 2_000, "\u200b" * 10_000, "<@1>" * 2_500, "`" * 10_000,
    "[" * 5_000 + "](" * 2_500, "@everyone " * 1_000, "é" * 10_000, "💥" * 10_000,
    "x." * 5_000, "_" * 10_000, "'" * 10_000, "a-" * 5_000,
])
def test_pathological_inputs_are_linear(text: str) -> None:
    """Inputs built to trigger regex backtracking stay well under the per-call ceiling."""
    start = time.perf_counter()
    Normaliser()(text)
    SERVICE.ask(text)
    assert time.perf_counter() - start < 0.5


LINE = st.one_of(
    st.text(max_size=300).map(lambda s: s.replace("\n", " ").replace("\r", " ")),
    st.builds(lambda q, s: json.dumps({"question": q, "surface": s}),
              TEXT, st.one_of(st.none(), st.sampled_from(["claude-ai", "nope", ""]))),
    st.builds(lambda v: json.dumps({"question": v}),
              st.one_of(st.integers(), st.none(), st.lists(st.integers(), max_size=3))),
    st.sampled_from(['\ufeff{"question": "bom"}', '{"question": "x \\ud800"}',
                     '{"question": "a", "id": "\\udc00"}', "[]", '"a string"', "null", "{}",
                     '{"question": "a", "surface": ["x"]}']),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=8))
def test_batch_writes_exactly_one_json_object_per_line(lines: list[str]) -> None:
    """The `ask --batch` contract: whatever the lines hold, one parsable object each."""
    out = io.StringIO()
    assert run_batch(SERVICE, [line + "\n" for line in lines], out) == len(lines)
    rows = [json.loads(row) for row in out.getvalue().splitlines()]
    assert len(rows) == len(lines)
    assert all(row["outcome"] in {"answer", "suggest", "none"} for row in rows)
    out.getvalue().encode("utf-8")  # writable to any UTF-8 stdout: no lone surrogates
