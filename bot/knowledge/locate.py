"""Find the bundled knowledge, in a source checkout and in an installed wheel alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def bundled_knowledge_dir() -> Path:
    """The knowledge shipped with policybot.

    A wheel carries it inside the package (`bot/_bundled_knowledge`); a source checkout
    or editable install has it at the top level beside `bot/`. POLICYBOT_KNOWLEDGE
    overrides both (see Settings).
    """
    installed = _PACKAGE / "_bundled_knowledge"
    if (installed / "sources.yaml").is_file():
        return installed
    return _PACKAGE.parent / "knowledge"
