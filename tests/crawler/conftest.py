"""Fixtures for crawler tests: the loopback server (see tests/httpserver.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.httpserver import PolicyTestServer, http_server  # noqa: F401 - re-exported fixture


@pytest.fixture(scope="module")
def server() -> Iterator[PolicyTestServer]:
    """One server per test module (slow route: 3 s, over the test timeout of 1 s)."""
    with PolicyTestServer(slow_seconds=3.0) as srv:
        yield srv
