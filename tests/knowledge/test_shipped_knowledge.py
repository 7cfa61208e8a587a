"""The shipped knowledge: it loads, its quotes are verbatim, and every quotation is used."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from bot.knowledge import bundled_knowledge_dir, load_knowledge
from bot.knowledge.model import Knowledge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POLICY = (FIXTURES / "policy_document.txt").read_text(encoding="utf-8")
QUOTES = yaml.safe_load((FIXTURES / "policy_quotes.yaml").read_text(encoding="utf-8"))["quotes"]


def flat(text: str) -> str:
    """Compare characters, not layout: whitespace collapsed, quote marks unified."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[“”„\"]", '"', text)
    text = re.sub(r"[‘’‚']", "'", text)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(bundled_knowledge_dir())


def test_bundled_knowledge_loads(knowledge: Knowledge) -> None:
    assert len(knowledge.entries) >= 70
    assert len(knowledge.surfaces) == 5
    assert knowledge.comparison is not None and len(knowledge.comparison.rows) >= 6


def test_every_quote_is_verbatim_from_the_policy_document(knowledge: Knowledge) -> None:
    document = flat(POLICY)
    missing = [e.id for e in knowledge.entries.values() if flat(e.quote) not in document]
    assert missing == []


def test_every_listed_quotation_is_an_entry_quote(knowledge: Knowledge) -> None:
    used = {flat(e.quote) for e in knowledge.entries.values()}
    assert len(QUOTES) == 75
    unused = [q for q in QUOTES if flat(q) not in used]
    assert unused == []


def test_every_entry_links_an_https_page_with_a_verified_date(knowledge: Knowledge) -> None:
    for entry in knowledge.entries.values():
        source = knowledge.sources[entry.source]
        assert source.url.startswith("https://"), entry.id
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.verified), entry.id


def test_answers_are_our_own_words(knowledge: Knowledge) -> None:
    """No answer copies a sentence of the document: no run of 12 words in common."""
    words = flat(POLICY).casefold().split()
    grams = {" ".join(words[i:i + 12]) for i in range(len(words) - 11)}
    copied = []
    for entry in knowledge.entries.values():
        answer = flat(entry.answer).casefold().split()
        if any(" ".join(answer[i:i + 12]) in grams for i in range(len(answer) - 11)):
            copied.append(entry.id)
    assert copied == []


def test_answers_name_their_terms(knowledge: Knowledge) -> None:
    assert all(e.terms for e in knowledge.entries.values())


def test_variants_cover_distinct_surfaces(knowledge: Knowledge) -> None:
    for entry in knowledge.entries.values():
        for variant_id in entry.variants:
            variant = knowledge.entries[variant_id]
            assert set(variant.surfaces) < set(knowledge.surfaces), (entry.id, variant_id)


def test_commands_fit_discord(knowledge: Knowledge) -> None:
    names = {s.command_name for s in knowledge.surfaces.values()}
    assert len(names) == len(knowledge.surfaces)
    for surface in knowledge.surfaces.values():
        assert re.fullmatch(r"[-_a-z0-9]{1,32}", surface.command_name)
        assert 1 <= len(surface.command_description) <= 100


def test_entry_files_cover_every_area() -> None:
    files = {p.stem for p in (bundled_knowledge_dir() / "entries").glob("*.yaml")}
    assert {"claude-ai", "desktop", "claude-code", "chrome", "api", "rights", "reserves",
            "comparison"} <= files
