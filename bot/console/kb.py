"""Placeholder front end; filled in by its owner."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this front end's subcommands."""
