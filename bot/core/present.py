"""Plain-data views of results and entries, shared by the JSON CLI, eval and exports."""

from __future__ import annotations

from typing import Any

from bot.core.result import Candidate, Result
from bot.knowledge.model import Entry, Knowledge


def entry_fields(entry: Entry, knowledge: Knowledge) -> dict[str, Any]:
    """The fields every front end shows for an entry, with its source resolved."""
    source = knowledge.sources.get(entry.source)
    return {
        "entry_id": entry.id,
        "title": entry.title,
        "answer": entry.answer,
        "quote": entry.quote,
        "source_id": entry.source,
        "source_url": source.url if source else None,
        "source_title": source.title if source else None,
        "verified": source.verified if source else None,
        "surfaces": list(entry.surfaces),
        "terms": list(entry.terms),
        "topic": entry.topic,
    }


_EMPTY_ENTRY = dict.fromkeys(
    ("entry_id", "title", "answer", "quote", "source_id", "source_url", "source_title",
     "verified", "topic"))


def result_to_dict(result: Result, knowledge: Knowledge, *, explain: bool = False
                   ) -> dict[str, Any]:
    """One JSON-ready object per question: the contract of `policybot ask --json/--batch`."""
    data: dict[str, Any] = {"question": result.question, "outcome": str(result.outcome)}
    if result.entry is not None:
        data.update(entry_fields(result.entry, knowledge))
    else:
        data.update(_EMPTY_ENTRY)
        data["surfaces"], data["terms"] = [], []
    data["score"] = result.score
    data["surface"] = result.surface
    data["varies_by_surface"] = result.varies_by_surface
    data["variants"] = [entry_fields(v, knowledge) for v in result.variants]
    data["suggestions"] = [_candidate(c, knowledge) for c in result.suggestions]
    data["knowledge_version"] = result.knowledge_version
    if explain and result.explanation is not None:
        ex = result.explanation
        data["explanation"] = {
            "normalised": ex.normalised,
            "folds": list(ex.folds),
            "surface_source": ex.surface_source,
            "reason": ex.reason,
            "margin": ex.margin,
            "top": [{"entry_id": c.entry.id, "score": c.score, "matched": c.matched,
                     "word_model": c.word_model} for c in ex.top],
        }
    return data


def _candidate(candidate: Candidate, knowledge: Knowledge) -> dict[str, Any]:
    data = entry_fields(candidate.entry, knowledge)
    data["score"] = candidate.score
    data["matched"] = candidate.matched
    return data
