"""The crawler's single item type: the outcome of checking one target."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Final

FETCHED: Final = "fetched"
NOT_MODIFIED: Final = "not_modified"
BLOCKED: Final = "blocked"
TRANSIENT: Final = "transient"
STRUCTURAL: Final = "structural"
ROBOTS_DISALLOWED: Final = "robots_disallowed"

#: Every outcome a check can have. Only ``fetched`` carries a text (a candidate version).
OUTCOMES: Final = (FETCHED, NOT_MODIFIED, BLOCKED, TRANSIENT, STRUCTURAL, ROBOTS_DISALLOWED)


@dataclass(kw_only=True)
class FetchResult:
    """One check of one target. The spider yields exactly one per target.

    ``body`` is the raw response body (only for ``fetched`` and ``structural``);
    ``text`` is the extracted Markdown (only for ``fetched``); ``headers`` has
    lower-case names; ``started_at`` is timezone-aware UTC. All fields are keyword-only.
    """

    target_id: str
    url: str
    final_url: str | None = None
    outcome: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    text: str | None = None
    extractor_version: str = ""
    detail: str = ""
    etag: str | None = None
    last_modified: str | None = None
    #: the (ETag, Last-Modified) the request sent, when it was conditional
    validators_sent: tuple[str | None, str | None] | None = None
    started_at: datetime
    duration_ms: int = 0

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    def to_json(self) -> str:
        """One JSON line (body base64-encoded); inverse of :meth:`from_json`."""
        data: dict[str, Any] = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["body"] = base64.b64encode(self.body).decode("ascii") if self.body is not None else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> FetchResult:
        """Rebuild a result written by :meth:`to_json`."""
        data = json.loads(line)
        data["started_at"] = datetime.fromisoformat(data["started_at"])
        if data.get("body") is not None:
            data["body"] = base64.b64decode(data["body"])
        if data.get("validators_sent") is not None:
            data["validators_sent"] = tuple(data["validators_sent"])
        return cls(**data)
