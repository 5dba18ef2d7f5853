"""Declarations: one TOML file per platform, validated on load, flattened to Targets.

File layout (see ``crawler/declarations/linkedin.toml``)::

    [platform]            # id (default: file stem), name, and defaults for documents
    id = "linkedin"
    name = "LinkedIn"
    select = ["main"]     # any document field may be given here as a default

    [documents.privacy-policy]
    name = "Privacy Policy"
    url = "https://www.linkedin.com/legal/privacy-policy"

    [documents.privacy-policy.variants.eu]   # same page as seen from another region
    language = "en-GB,en;q=0.8"
    egress = "eu"         # fetched only through the proxy configured for egress "eu"

``robots`` is ``"obey"`` (default) or ``"ignore"`` with a ``robots_reason``;
``selectors_verified = false`` marks selectors not yet checked against a real copy.

Each document gives the target ``<platform>/<document>``; each variant gives
``<platform>/<document>@<region>`` with the variant's fields over the document's.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Self

import soupsieve
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from extract.filters import FILTERS

logger = logging.getLogger(__name__)

PACKAGED_DECLARATIONS = Path(__file__).parent / "declarations"

_SLUG = r"^[a-z0-9][a-z0-9._-]*$"
_INTERVAL = re.compile(r"^\d+[smhdw]$")
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")

#: How a document is fetched: Scrapy's HTTP client, or a headless Chromium (crawler/browser.py).
FetchMode = Literal["http", "browser"]
#: What a document is; unset means "as the response's Content-Type says" (HTML or PDF).
ContentType = Literal["html", "pdf"]


class DeclarationError(ValueError):
    """A declaration file is unreadable or invalid. Raised by :func:`load_targets`;
    the message names the file and the offending key."""


Robots = Literal["obey", "ignore"]


def _need_reason(robots: str | None, reason: str | None) -> None:
    if robots == "ignore" and not reason:
        raise ValueError('robots = "ignore" needs a robots_reason saying why (it is shown to users)')


def _check_selectors(value: list[str]) -> list[str]:
    for selector in value:
        try:
            soupsieve.compile(selector)
        except Exception as exc:  # soupsieve raises SelectorSyntaxError and others
            raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from None
    return value


class _Fields(BaseModel):
    """Fields a platform, document or variant may set (all optional here)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    select: list[str] | None = None
    remove: list[str] | None = None
    filters: list[str] | None = None
    language: str | None = None
    proxy: str | None = None
    egress: str | None = Field(default=None, pattern=_SLUG)
    robots: Robots | None = None
    robots_reason: str | None = Field(default=None, min_length=1)
    selectors_verified: bool | None = None
    schedule: str | None = None
    min_length: int | None = Field(default=None, ge=0)
    tags: list[str] | None = None
    fetch: FetchMode | None = None
    content_type: ContentType | None = None

    @field_validator("select", "remove")
    @classmethod
    def _selectors(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_selectors(value)

    @field_validator("filters")
    @classmethod
    def _filters(cls, value: list[str] | None) -> list[str] | None:
        for name in value or ():
            if name not in FILTERS:
                raise ValueError(f"unknown filter {name!r} (known: {', '.join(sorted(FILTERS))})")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is None or _INTERVAL.match(value):
            return value
        fields = value.split()
        if len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields):
            return value
        raise ValueError(f"schedule {value!r} is neither an interval like '6h' nor a 5-field cron line")

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(https?|socks5h?)://", value):
            raise ValueError(f"proxy {value!r} must be an http(s):// URL")
        return value


class _Variant(_Fields):
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"url {value!r} must be an absolute http(s) URL")
        return value


class _Document(_Variant):
    name: str
    region: str | None = Field(default=None, pattern=_SLUG)
    url: str  # type: ignore[assignment]  # required on documents
    variants: dict[str, _Variant] = Field(default_factory=dict)


class _Platform(_Fields):
    id: str | None = Field(default=None, pattern=_SLUG)
    name: str


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: _Platform
    documents: dict[str, _Document]


class Target(BaseModel):
    """One document to check: a URL fetched in one way (region, language, proxy)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    platform: str
    name: str
    url: str
    select: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    filters: list[str] = Field(default_factory=list)
    region: str | None = None
    language: str | None = None
    proxy: str | None = None
    egress: str | None = None
    robots: Robots = "obey"
    robots_reason: str | None = None
    selectors_verified: bool = True
    schedule: str | None = None
    min_length: int = 200
    tags: list[str] = Field(default_factory=list)
    fetch: FetchMode = "http"
    content_type: ContentType | None = None
    source: str | None = None  # the declaration file it came from

    @model_validator(mode="after")
    def _robots_reason(self) -> Self:
        _need_reason(self.robots, self.robots_reason)
        return self

    @property
    def fetch_mode(self) -> str:
        """How the page is fetched: "http" (a plain request) or "browser" (headless Chromium)."""
        return self.fetch

    @property
    def document(self) -> str:
        """The document key, without platform and region."""
        return self.id.split("/", 1)[1].split("@", 1)[0]


_FIELD_NAMES = tuple(_Fields.model_fields)
_SLUG_RE = re.compile(_SLUG)


def _merge(*layers: _Fields) -> dict[str, Any]:
    """Later layers override earlier ones, field by field, when set."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for name in _FIELD_NAMES:
            value = getattr(layer, name)
            if value is not None:
                merged[name] = value
    return merged


def _format_error(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid declaration"]
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(file)"
        lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)


def _target(path: Path, where: str, **fields: Any) -> Target:
    """A Target from merged fields; a rule spanning layers (e.g. robots_reason) names ``where``."""
    try:
        return Target(**fields)
    except ValidationError as exc:
        reasons = "; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())
        raise DeclarationError(f"{path}: invalid declaration\n  {where}: {reasons}") from exc


def parse_file(path: Path) -> list[Target]:
    """Load one declaration file; :class:`DeclarationError` names the file and key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DeclarationError(f"{path}: cannot read declaration: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DeclarationError(f"{path}: invalid TOML: {exc}") from exc
    try:
        decl = _File.model_validate(raw)
    except ValidationError as exc:
        raise DeclarationError(_format_error(path, exc)) from exc
    platform = decl.platform.id or path.stem.lower()
    targets: list[Target] = []
    for key, doc in decl.documents.items():
        if not _SLUG_RE.match(key):
            raise DeclarationError(f"{path}: documents.{key}: document keys must match {_SLUG}")
        common: dict[str, Any] = {"platform": platform, "name": doc.name, "source": str(path)}
        targets.append(_target(path, f"documents.{key}", id=f"{platform}/{key}", url=doc.url,
                               region=doc.region, **common, **_merge(decl.platform, doc)))
        for region, variant in doc.variants.items():
            if not _SLUG_RE.match(region):
                raise DeclarationError(f"{path}: documents.{key}.variants.{region}: region keys must match {_SLUG}")
            fields = _merge(decl.platform, doc, variant)
            targets.append(_target(path, f"documents.{key}.variants.{region}", id=f"{platform}/{key}@{region}",
                                   url=variant.url or doc.url, region=region, **common, **fields))
    return targets


def _files(path: Path) -> Iterable[Path]:
    if path.is_dir():
        return sorted(path.glob("*.toml"))
    if path.is_file():
        return [path]
    raise DeclarationError(f"{path}: no such declaration file or folder")


def load_targets(path: Path | None = None) -> list[Target]:
    """Load every target from a declaration file or a folder of ``*.toml`` files.

    ``None`` loads the declarations shipped in ``crawler/declarations``. Target ids
    must be unique across files.
    """
    root = Path(path) if path is not None else PACKAGED_DECLARATIONS
    targets: list[Target] = []
    seen: dict[str, str] = {}
    for file in _files(root):
        for target in parse_file(file):
            if target.id in seen:
                raise DeclarationError(f"{file}: target {target.id!r} already declared in {seen[target.id]}")
            seen[target.id] = str(file)
            targets.append(target)
    logger.debug("loaded %d targets from %s", len(targets), root)
    return targets
