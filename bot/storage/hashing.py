"""Keyed hashes of Discord user ids, so storage can rate-limit, dedupe votes and forget a
person without ever holding their id.

A plain SHA-256 of a snowflake is reversible by enumeration (ids are dense and public), so
the hash is an HMAC with a per-install secret: `POLICYBOT_HASH_KEY` when set, else 32 random
bytes generated once into `<data_dir>/hash.key` (mode 0600) and reused on every start. Losing
the key only means old rows can no longer be tied to their users: they still age out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from bot.errors import ConfigError
from bot.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE = "hash.key"
KEY_BYTES = 32


class UserHasher:
    """Turns a user id into the stable, keyed hex digest storage keeps instead."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ConfigError("the user-hash key is empty")
        self._key = key

    def __repr__(self) -> str:
        return "UserHasher(key=<hidden>)"

    def __call__(self, user_id: int | str) -> str:
        return self.hash(user_id)

    def hash(self, user_id: int | str) -> str:
        """HMAC-SHA256 of the decimal id, as 64 hex characters."""
        return hmac.new(self._key, str(int(user_id)).encode("ascii"), hashlib.sha256).hexdigest()

    @classmethod
    def from_settings(cls, settings: Settings) -> UserHasher:
        """The hasher for this install: the configured key, else the one in the data dir."""
        if settings.hash_key:
            if len(settings.hash_key) < 16:
                log.warning("POLICYBOT_HASH_KEY is shorter than 16 bytes; use a longer secret")
            return cls(settings.hash_key)
        return cls(load_or_create_key(settings.data_dir / KEY_FILE))


def load_or_create_key(path: Path) -> bytes:
    """Read the key file, creating it (0600, directory 0700) on first use.

    `O_EXCL` makes creation race-free: two processes starting together (bot and CLI) both
    end up with the one key that won.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    log.info("generated a new user-hash key in the data directory")
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the user-hash key file is readable by others; chmod 600 it")
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"{path} is not a hex key; delete it to generate a new one") from None
    if len(key) < 16:
        raise ConfigError(f"{path} holds too short a key; delete it to generate a new one")
    return key
