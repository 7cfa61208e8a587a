"""Load through the fake Discord: 500 interactions at once, policybot against a reference bot.

Run: python benchmarks/bench_discord_load.py [--n 500] [--runs 3]

Each bot runs as its own process (`policybot run` with a SQLite database in a temporary
directory, or this file with `--reference-bot`: a minimal discord.py bot whose one slash
command replies a fixed string), against the loopback fake Discord in this process. All `n`
interactions are written to the gateway at once; latency is injection to the interaction
callback arriving at the fake. Every interaction must end with a visible reply (none lost).

The difference between the two burst times is what policybot itself costs on top of
discord.py: matching, embeds and components, and the database writes for gaps. Figures go
to stdout (README records them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

TOKEN = "bench.token-0123456789abcdef"  # noqa: S105 (a fake token for the fake Discord)


# ----------------------------------------------------------------------------- reference
def reference_bot() -> int:
    """The yardstick: discord.py with one slash command that replies a fixed string."""
    import discord
    import yarl
    from discord import app_commands
    from discord.ext import commands
    from discord.gateway import DiscordWebSocket

    discord.http.Route.BASE = os.environ["POLICYBOT_DISCORD_API"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["POLICYBOT_DISCORD_GATEWAY"])
    guild = discord.Object(int(os.environ["POLICYBOT_SYNC_GUILDS"]))

    class Reference(commands.Bot):
        async def setup_hook(self) -> None:
            @app_commands.command(name="ask", description="Fixed reply")
            async def ask(interaction: discord.Interaction, question: str) -> None:
                await interaction.response.send_message("A fixed reply.")

            self.tree.add_command(ask, guild=guild)
            await self.tree.sync(guild=guild)

    intents = discord.Intents.none()
    intents.guilds = True
    bot = Reference(
        command_prefix="!",
        intents=intents,
        max_messages=None,
        chunk_guilds_at_startup=False,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    bot.run(os.environ["DISCORD_TOKEN"], log_handler=None)
    return 0


# ----------------------------------------------------------------------------- driver
def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct))]


def bench_questions(n: int) -> list[str]:
    """`n` distinct questions from the shipped knowledge: answers, suggestions and gaps."""
    from bot.knowledge.loader import load_knowledge
    from bot.knowledge.locate import bundled_knowledge_dir

    knowledge = load_knowledge(bundled_knowledge_dir())
    pool = list(dict.fromkeys(q for e in knowledge.entries.values() for q in e.questions))
    pool += [f"{q} please" for q in pool]
    return pool[:n]


def without_schema_checks() -> None:
    """Skip the fake's OpenAPI validation of request bodies, in this process only.

    The tests keep it on; here it would dominate the figures (validating one answer card
    with components costs the fake tens of milliseconds, a fixed string almost nothing),
    so the benchmark would measure the fake instead of the bots.
    """
    from fakediscord import server

    server.validate_body = lambda route, method, body: []


async def one_run(kind: str, n: int, questions: list[str]) -> dict[str, float]:
    from fakediscord import payloads
    from fakediscord.faults import FaultyDiscord

    async with FaultyDiscord() as fake:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
            env.update(fake.env())
            env.update(
                DISCORD_TOKEN=TOKEN,
                POLICYBOT_SYNC_GUILDS=str(fake.guild_id),
                POLICYBOT_DATA_DIR=tmp,
                POLICYBOT_DB=str(Path(tmp) / "bench.sqlite3"),
                POLICYBOT_COOLDOWN_SECONDS="0",
            )
            if kind == "policybot":
                args = [sys.executable, "-m", "bot", "run"]
            else:
                args = [sys.executable, __file__, "--reference-bot"]
            proc = await asyncio.create_subprocess_exec(
                *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            try:
                await fake.wait_ready(within=30)
                await fake.wait_for(lambda: fake.sync_requests(), 15)
                for i in range(5):  # warm-up: first calls pay for lazy imports and caches
                    user = payloads.user(payloads.snowflake(), f"warm{i}")
                    await fake.reply(await fake.slash("ask", user=user, question=questions[i]), 15)
                fake.acked_at.clear()
                users = [payloads.user(payloads.snowflake() + i, f"m{i}") for i in range(n)]
                injected: dict[str, float] = {}
                start = time.perf_counter()

                async def inject(i: int) -> str:
                    inter = await fake.slash("ask", user=users[i], question=questions[i])
                    injected[inter.token] = time.perf_counter()
                    return inter.token

                tokens = await asyncio.gather(*(inject(i) for i in range(n)))
                await fake.wait_for(lambda: all(t in fake.acked_at for t in tokens), 120)
                end = max(fake.acked_at[t] for t in tokens)
                inters = [fake.interactions[t] for t in tokens]
                replies = await asyncio.gather(*(fake.reply(x, 60) for x in inters))
                lost = n - sum(1 for r in replies if r.text().strip() or r.embeds)
            finally:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.communicate(), 15)
                if proc.returncode is None:
                    proc.kill()
            latencies = [(fake.acked_at[t] - injected[t]) * 1000 for t in tokens]
    return {
        "answered": n - lost,
        "lost": lost,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "burst_s": end - start,
        "per_s": n / (end - start),
    }


async def main(n: int, runs: int) -> None:
    without_schema_checks()
    questions = bench_questions(n + 5)
    results: dict[str, list[dict[str, float]]] = {"reference": [], "policybot": []}
    for _ in range(runs):
        for kind in results:
            results[kind].append(await one_run(kind, n, questions[5:] + questions[:5]))
    print(f"{n} interactions injected at once, {runs} run(s) each, median shown:")
    summary = {}
    for kind, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        summary[kind] = med
        print(
            f"  {kind:<10} answered {med['answered']:.0f}/{n} (lost {med['lost']:.0f}), "
            f"p50 {med['p50_ms']:.0f} ms, p99 {med['p99_ms']:.0f} ms, "
            f"burst {med['burst_s']:.2f} s, {med['per_s']:.0f} interactions/s"
        )
    ours, ref = summary["policybot"]["burst_s"], summary["reference"]["burst_s"]
    extra = (ours - ref) / ref * 100
    print(
        f"  policybot's own cost: {ours - ref:.2f} s over the reference's {ref:.2f} s "
        f"= {extra:.0f}% of the reference's time (target < 20%)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reference-bot", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.reference_bot:
        sys.exit(reference_bot())
    asyncio.run(main(options.n, options.runs))
