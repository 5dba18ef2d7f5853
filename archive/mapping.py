"""Which declared document an archived service's terms type is (data: archive/ota_types.toml)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TYPES: dict[str, str] = tomllib.loads(
    (Path(__file__).with_name("ota_types.toml")).read_text(encoding="utf-8"))["types"]


def platform_slug(service: str) -> str:
    """``"LinkedIn"`` -> ``"linkedin"``, ``"npm Public Registry"`` -> ``"npm-public-registry"``."""
    return re.sub(r"[^a-z0-9]+", "-", service.lower()).strip("-")


class Mapper:
    """Resolves ``(service, terms type)`` to a declared target id, or None."""

    def __init__(self, targets: Sequence[Any], overrides: Mapping[str, str] | None = None) -> None:
        self.ids = {t.id for t in targets}
        self.by_name = {(t.platform, t.name.lower()): t.id for t in targets if "@" not in t.id}
        self.overrides = dict(overrides or {})

    def target(self, service: str, terms_type: str) -> str | None:
        wanted = f"{service}/{terms_type}"
        if wanted in self.overrides:
            return self.overrides[wanted]
        if wanted in self.ids:  # PolicyWatch's own export: the path is the target id
            return wanted
        platform = platform_slug(service)
        key = TYPES.get(terms_type)
        if key is not None and f"{platform}/{key}" in self.ids:
            return f"{platform}/{key}"
        return self.by_name.get((platform, terms_type.lower()))
