"""Helpers for alert tests: a TOML writer for config files, payloads, a fixed clock, SMTP sink."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import Envelope

T0 = datetime(2024, 9, 19, 6, 0, tzinfo=timezone.utc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(type(v))


def toml_dump(data: dict[str, Any], prefix: str = "") -> str:
    """Enough TOML for config files: nested tables of scalars and lists."""
    scalars = [f"{k} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    out = ([f"[{prefix}]"] if prefix and scalars else []) + scalars
    for k, v in data.items():
        if isinstance(v, dict):
            out.append(toml_dump(v, f"{prefix}.{k}" if prefix else k))
    return "\n".join(out) + "\n"


def write_config(path: Path, alerts: dict[str, Any]) -> Path:
    path.write_text(toml_dump({"alerts": alerts}), encoding="utf-8")
    return path


@dataclass
class Clock:
    """A fixed clock the test moves by hand (starts just after real now: rows are due)."""

    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc) + timedelta(seconds=1))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def payload(n: int, severity: str = "high", labels: tuple[str, ...] = ("ai_training",),
            platform: str = "linkedin") -> dict[str, Any]:
    """A change payload in the stored shape, without a database behind it."""
    sentence = f"We may use your data to train artificial intelligence models (case {n})."
    return {
        "event": "change", "change_id": n,
        "document": {"slug": f"{platform}/privacy-policy", "platform": platform,
                     "name": "Privacy Policy", "url": "https://example.org/p", "region": "eu",
                     "language": "en"},
        "effective_date": "September 18, 2024", "fetched_at": None, "severity": severity,
        "severity_reason": "AI training added", "labels": list(labels),
        "evidence": {label: [sentence] for label in labels}, "regions": ["EU", "UK"],
        "hunks": [{"section": "2. How We Use Your Data", "kind": "modified", "severity": severity,
                   "labels": list(labels), "evidence": {}, "removed": "provide the Services <old>",
                   "added": f"train AI models & more {n}"}],
        "hunks_total": 1, "link": f"http://pw.test/changes/{n}",
    }


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[arg-type]
        self.messages.append((envelope, mail))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"
