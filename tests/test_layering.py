"""The engine stays pure: importing it never loads discord.py (STYLE habit 1)."""

from __future__ import annotations

import subprocess
import sys


def test_engine_packages_do_not_import_discord() -> None:
    code = (
        "import sys\n"
        "import bot.core.service, bot.core.matcher, bot.knowledge, bot.console.ask, "
        "bot.console.kb, bot.console.evaluate, bot.storage\n"
        "import bot.__main__\n"
        "print('discord' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_bot_package_names_no_vendor() -> None:
    """Nothing about a particular vendor is hard-coded in the engine: knowledge is data."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "bot"
    offenders = [str(p) for p in root.rglob("*.py")
                 if any(word in p.read_text(encoding="utf-8").casefold()
                        for word in ("anthropic", "claude"))]
    assert offenders == []
