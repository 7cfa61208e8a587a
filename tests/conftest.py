"""Shared test configuration.

Its presence puts `tests/` on `sys.path` (pytest's rootdir-relative conftest import), so
test modules can `import fakediscord`, the loopback fake Discord in `tests/fakediscord/`.
"""
