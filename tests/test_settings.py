"""Settings: typed, read once from POLICYBOT_* variables, with the token out of every repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import DEFAULT_API, DEFAULT_GATEWAY, Settings


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.api_base == DEFAULT_API and settings.gateway_url == DEFAULT_GATEWAY
    assert settings.retention_days == 90 and settings.sync_guilds == ()
    assert settings.shards is None and settings.duplicate_window_seconds == 180
    assert settings.database == settings.data_dir / "policybot.sqlite3"
    assert (settings.knowledge / "sources.yaml").is_file()


def test_environment_is_read() -> None:
    settings = Settings.from_env({
        "DISCORD_TOKEN": " secret-token ",
        "POLICYBOT_DISCORD_API": "http://127.0.0.1:9/api/v10/",
        "POLICYBOT_DISCORD_GATEWAY": "ws://127.0.0.1:9/gw",
        "POLICYBOT_DATA_DIR": "/tmp/pb-data",
        "POLICYBOT_SYNC_GUILDS": "1, 22,333",
        "POLICYBOT_SHARDS": "auto",
        "POLICYBOT_RETENTION_DAYS": "30",
        "POLICYBOT_HASH_KEY": "k" * 32,
        "POLICYBOT_DUPLICATE_WINDOW_SECONDS": "0",
    })
    assert settings.require_token() == "secret-token"
    assert settings.api_base == "http://127.0.0.1:9/api/v10"
    assert settings.sync_guilds == (1, 22, 333) and settings.shards == 0
    assert settings.database == Path("/tmp/pb-data/policybot.sqlite3")
    assert settings.retention_days == 30 and settings.duplicate_window_seconds == 0


def test_token_and_hash_key_never_in_repr() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": "super-secret", "POLICYBOT_HASH_KEY": "hk" * 20})
    assert "super-secret" not in repr(settings) and "hkhk" not in repr(settings)


@pytest.mark.parametrize(("name", "value"), [
    ("POLICYBOT_RETENTION_DAYS", "soon"), ("POLICYBOT_RETENTION_DAYS", "0"),
    ("POLICYBOT_SYNC_GUILDS", "abc"), ("POLICYBOT_SHARDS", "-2"),
])
def test_bad_values_name_the_setting_not_the_value(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: value})
    assert name in str(info.value)


def test_missing_token_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        Settings.from_env({}).require_token()


@pytest.mark.parametrize(("name", "value"), [
    ("POLICYBOT_HASH_KEY", "short-secret"),  # 12 characters: the hashes could be reversed
    ("POLICYBOT_LOG_LEVEL", "basicConfig"),  # once looked up as a logging attribute
    ("POLICYBOT_LOG_LEVEL", "loud"),
])
def test_weak_or_unknown_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_log_level_in_any_case() -> None:
    assert Settings.from_env({"POLICYBOT_LOG_LEVEL": " debug "}).log_level == "DEBUG"


def test_discord_py_never_logs_below_info(monkeypatch: pytest.MonkeyPatch) -> None:
    # discord.py's DEBUG lines carry raw gateway payloads: user ids and message text.
    import logging

    from bot.__main__ import setup_logging

    monkeypatch.setattr(logging.getLogger("discord"), "level", logging.NOTSET)
    setup_logging("DEBUG")
    assert logging.getLogger("discord.gateway").getEffectiveLevel() == logging.INFO
