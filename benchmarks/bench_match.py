"""Match latency, throughput, load time and memory, on the shipped and on synthetic knowledge.

Run: python benchmarks/bench_match.py [--sizes 1000 10000] [--questions 2000]

Synthetic knowledge is built from the shipped entries: each synthetic entry takes a shipped
entry's phrasings and swaps in words from a large invented vocabulary, so posting lists,
IDF and phrasing lengths grow the way a real, larger policy set would. Questions are real
eval questions plus perturbed alternate questions. Figures go to stdout (README records them).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.service import AnswerService  # noqa: E402
from bot.knowledge import bundled_knowledge_dir, load_knowledge  # noqa: E402
from bot.knowledge.model import Entry, Knowledge  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct))]


def invented_vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)]


def synthetic(base: Knowledge, size: int, seed: int = 7) -> Knowledge:
    rng = random.Random(seed)
    vocab = invented_vocabulary(rng, max(2000, size // 2))
    originals = list(base.entries.values())
    entries: dict[str, Entry] = {}
    for i in range(size):
        src = originals[i % len(originals)]
        topic_words = rng.sample(vocab, 3)

        def mutate(text: str, words: list[str] = topic_words) -> str:
            tokens = text.split()
            for j in range(len(tokens)):
                if rng.random() < 0.35:
                    tokens[j] = rng.choice(words)
            return " ".join([*tokens, rng.choice(words)])

        entries[f"syn-{i}"] = replace(
            src, id=f"syn-{i}", title=mutate(src.title),
            questions=tuple(mutate(q) for q in src.questions), variants=(), related=())
    return replace(base, entries=Knowledge.freeze(entries), version=f"synthetic-{size}")


def questions_for(knowledge: Knowledge, eval_file: Path, count: int, seed: int = 11
                  ) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    items: list[tuple[str, str | None]] = []
    if eval_file.is_file():
        data = yaml.safe_load(eval_file.read_text(encoding="utf-8"))
        items += [(row["q"], row.get("surface")) for row in data.get("questions", [])]
    phrasings = [q for e in knowledge.entries.values() for q in e.questions]
    while len(items) < count:
        words = rng.choice(phrasings).split()
        rng.shuffle(words)
        items.append((" ".join(words[: rng.randint(1, max(1, len(words)))]), None))
    rng.shuffle(items)
    return items[:count]


def measure(service: AnswerService, questions: list[tuple[str, str | None]]) -> dict[str, float]:
    for q, s in questions[:50]:  # warm-up
        service.ask(q, s, explain=False)
    latencies = []
    gc.disable()
    start = time.perf_counter()
    for q, s in questions:
        t0 = time.perf_counter()
        service.ask(q, s)
        latencies.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    gc.enable()
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "qps": len(questions) / total,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--questions", type=int, default=2000)
    args = parser.parse_args()
    eval_file = ROOT / "tests" / "eval" / "questions.yaml"

    t0 = time.perf_counter()
    knowledge = load_knowledge(bundled_knowledge_dir())
    t1 = time.perf_counter()
    service = AnswerService(knowledge)
    t2 = time.perf_counter()
    rss_shipped = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    traced = AnswerService(load_knowledge(bundled_knowledge_dir()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    print(f"shipped knowledge: {len(knowledge.entries)} entries, "
          f"{sum(len(e.questions) for e in knowledge.entries.values())} alternate questions")
    print(f"  load+validate {1000 * (t1 - t0):.0f} ms, index build {1000 * (t2 - t1):.0f} ms "
          f"(total {1000 * (t2 - t0):.0f} ms); peak resident memory after load "
          f"{rss_shipped:.0f} MiB; Python heap allocated by load+index {peak / 2**20:.1f} MiB")
    questions = questions_for(knowledge, eval_file, args.questions)
    figures = measure(service, questions)
    print(f"  {len(questions)} questions: p50 {figures['p50_ms']:.3f} ms, "
          f"p99 {figures['p99_ms']:.3f} ms, max {figures['max_ms']:.3f} ms, "
          f"{figures['qps']:.0f} questions/s")

    for size in args.sizes:
        big = synthetic(knowledge, size)
        t0 = time.perf_counter()
        big_service = AnswerService(big)
        build = time.perf_counter() - t0
        figures = measure(big_service, questions_for(big, eval_file, args.questions))
        print(f"synthetic {size} entries: index build {build * 1000:.0f} ms; "
              f"p50 {figures['p50_ms']:.3f} ms, p99 {figures['p99_ms']:.3f} ms, "
              f"max {figures['max_ms']:.3f} ms, {figures['qps']:.0f} questions/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
