"""Typed settings read once, in the entry point, from POLICYBOT_* environment variables.

Built only by `Settings.from_env(os.environ)` in the composition root, so importing any
module never needs a token (unlike bots that read settings at import time).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError

DEFAULT_API = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("policybot", appauthor=False))


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_HASH_KEY_BYTES = 16


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _ids(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    try:
        return tuple(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise ConfigError(f"{name} must be comma-separated numeric ids") from None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable. The token is excluded from repr so it never reaches a log."""

    token: str = field(default="", repr=False)
    api_base: str = DEFAULT_API
    gateway_url: str = DEFAULT_GATEWAY
    data_dir: Path = field(default_factory=_default_data_dir)
    db_path: Path | None = None
    knowledge_dir: Path | None = None
    sync_guilds: tuple[int, ...] = ()
    shards: int | None = None
    retention_days: int = 90
    hash_key: bytes | None = field(default=None, repr=False)
    log_level: str = "INFO"
    cooldown_seconds: float = 10.0
    cooldown_burst: int = 3
    duplicate_window_seconds: float = 180.0
    gaps_per_user_per_hour: int = 10
    review_age_days: int = 180

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env["POLICYBOT_DATA_DIR"]) if env.get("POLICYBOT_DATA_DIR") else None
        shards_raw = env.get("POLICYBOT_SHARDS", "").strip()
        shards: int | None = None
        if shards_raw:
            shards = 0 if shards_raw.lower() == "auto" else _int(env, "POLICYBOT_SHARDS", 0, 1)
        hash_key = env.get("POLICYBOT_HASH_KEY", "")
        if hash_key and len(hash_key.encode()) < MIN_HASH_KEY_BYTES:
            # A short secret makes the keyed hash of a user id guessable by brute force, which
            # would turn the stored hashes back into user ids.
            raise ConfigError(f"POLICYBOT_HASH_KEY must be at least {MIN_HASH_KEY_BYTES} "
                              "characters (or unset it to use a generated key)")
        log_level = env.get("POLICYBOT_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"POLICYBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        kwargs = {
            "token": env.get("DISCORD_TOKEN", "").strip(),
            "api_base": env.get("POLICYBOT_DISCORD_API", "").strip().rstrip("/") or DEFAULT_API,
            "gateway_url": env.get("POLICYBOT_DISCORD_GATEWAY", "").strip() or DEFAULT_GATEWAY,
            "db_path": Path(env["POLICYBOT_DB"]) if env.get("POLICYBOT_DB") else None,
            "knowledge_dir": (
                Path(env["POLICYBOT_KNOWLEDGE"]) if env.get("POLICYBOT_KNOWLEDGE") else None
            ),
            "sync_guilds": _ids(env, "POLICYBOT_SYNC_GUILDS"),
            "shards": shards,
            "retention_days": _int(env, "POLICYBOT_RETENTION_DAYS", 90, 1),
            "hash_key": hash_key.encode() if hash_key else None,
            "log_level": log_level,
            "cooldown_seconds": float(_int(env, "POLICYBOT_COOLDOWN_SECONDS", 10, 0)),
            "cooldown_burst": _int(env, "POLICYBOT_COOLDOWN_BURST", 3, 1),
            "duplicate_window_seconds": float(
                _int(env, "POLICYBOT_DUPLICATE_WINDOW_SECONDS", 180, 0)),
            "gaps_per_user_per_hour": _int(env, "POLICYBOT_GAPS_PER_USER_PER_HOUR", 10, 1),
        }
        if data_dir is not None:
            kwargs["data_dir"] = data_dir
        return cls(**kwargs)

    @property
    def database(self) -> Path:
        """The SQLite file: POLICYBOT_DB, else policybot.sqlite3 in the data directory."""
        return self.db_path or self.data_dir / "policybot.sqlite3"

    @property
    def knowledge(self) -> Path:
        from bot.knowledge.locate import bundled_knowledge_dir

        return self.knowledge_dir or bundled_knowledge_dir()

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError("DISCORD_TOKEN is not set: put the bot token in the environment")
        return self.token
