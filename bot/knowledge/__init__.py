"""Knowledge: YAML files -> an immutable, validated model. Pure: no discord, no network."""

from bot.knowledge.loader import KnowledgeError, Problem, load_knowledge
from bot.knowledge.locate import bundled_knowledge_dir
from bot.knowledge.model import (
    Comparison,
    ComparisonRow,
    Entry,
    Knowledge,
    OverviewField,
    Source,
    Surface,
    SynonymGroup,
    Terms,
)

__all__ = [
    "Comparison",
    "ComparisonRow",
    "Entry",
    "Knowledge",
    "KnowledgeError",
    "OverviewField",
    "Problem",
    "Source",
    "Surface",
    "SynonymGroup",
    "Terms",
    "bundled_knowledge_dir",
    "load_knowledge",
]
