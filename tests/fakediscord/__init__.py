"""A loopback fake of Discord's REST API and gateway for end-to-end tests of policybot."""

from .server import FakeDiscord, Interaction, Reply, Request, RoleOption

__all__ = ["FakeDiscord", "Interaction", "Reply", "Request", "RoleOption"]
