"""A test-only spider middleware that silently drops every start request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any


class DropStartRequests:
    """Swallow start requests, as a misbehaving middleware or filter might."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for _ in start:
            continue
        if False:  # pragma: no cover - makes this an async generator
            yield None
