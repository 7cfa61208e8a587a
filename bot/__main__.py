"""`policybot` / `python -m bot`: parse argv, set up logging, run one front end.

Each front end module exposes `register(subparsers)`; modules that need discord.py import it
inside their command function so that `policybot ask` never loads it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from bot.errors import PolicybotError
from bot.settings import Settings

FRONT_ENDS = (
    "bot.console.ask",
    "bot.console.kb",
    "bot.console.evaluate",
    "bot.console.curation",
    "bot.console.health",
    "bot.discord_app.launch",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policybot",
        description="Answers data-policy questions from a curated, sourced knowledge base.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in FRONT_ENDS:
        importlib.import_module(name).register(sub)
    return parser


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr at `level`; discord.py's own loggers never below INFO.

    discord.py logs every gateway event's raw payload at DEBUG (user ids, message text),
    which the bot promises its logs never hold; DEBUG is for policybot's own loggers.
    """
    value = logging.getLevelName(level.upper())
    value = value if isinstance(value, int) else logging.INFO
    logging.basicConfig(
        level=value,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("discord").setLevel(max(value, logging.INFO))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        level = Settings.from_env().log_level if args.command == "run" else "WARNING"
        setup_logging(level)
        return int(args.func(args) or 0)
    except PolicybotError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`policybot kb check | head`): stop quietly, like other tools.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


if __name__ == "__main__":
    sys.exit(main())
