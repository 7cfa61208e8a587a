"""Domain exceptions that carry a sentence safe to show a user."""

from __future__ import annotations


class PolicybotError(Exception):
    """Base class; `user_message` is safe to show, `str(exc)` may hold detail for logs."""

    user_message: str = "Something went wrong on my side. It has been logged."

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class ConfigError(PolicybotError):
    """A setting is missing or invalid; the message names the setting, never its value."""


class NotCurator(PolicybotError):
    user_message = "That command is for curators (Manage Server or the curator role)."


class StorageUnavailable(PolicybotError):
    """The database cannot be written; answers keep flowing from the knowledge."""
