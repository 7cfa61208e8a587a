"""The same question gets the same result in every process, whatever Python's hash seed.

Set iteration order follows the hash seed; summing weights in that order once made ties
(and so the top candidate) differ between runs. Tokens are now taken in question order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [
    "PSA: don't paste passwords or card numbers into Claude",
    "how long does anthropic keep my chats",
    "does cc send my code to anthropic??",
    "is my data encrypted in transit",
    "I use Claude in Chrome for research. I turned off training on the website. Do I need to "
    "do something separate in the extension to keep my browsing out of training?",
]


def _run(seed: str) -> list[dict]:
    lines = "".join(json.dumps({"question": q, "surface": None}) + "\n" for q in QUESTIONS)
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "--batch", "-", "--explain"],
                         input=lines, capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True, timeout=120)
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_results_do_not_depend_on_the_hash_seed() -> None:
    first, second = _run("0"), _run("1")
    assert len(first) == len(QUESTIONS)
    assert first == second
