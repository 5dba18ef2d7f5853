"""Import Open Terms Archive versions (or a PolicyWatch export) into the store.

Each version is mapped onto a declared document (archive/mapping.py), placed by its date and
classified like a backfilled capture (archive/recording.py), each in its own transaction with
its ``captures`` row: importing the same source again adds nothing, and an interrupted import
continues. Versions of services or terms types that map onto nothing are counted, not stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from archive.mapping import Mapper
from archive.ota import OtaVersion
from archive.recording import CaptureLine, CaptureRef, record_text
from store import Store
from store.archive import ArchivedText, seen_keys
from store.models import Document
from store.record import sync_documents

EXTRACTOR = "ota-import"


@dataclass
class ImportReport:
    """What an import did: lines of versions recorded, and what was skipped and why."""

    lines: list[CaptureLine] = field(default_factory=list)
    known: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)


def import_versions(store: Store, versions: Iterable[OtaVersion], targets: Sequence[Any],
                    overrides: dict[str, str] | None = None,
                    progress: Callable[[CaptureLine], None] = lambda _: None) -> ImportReport:
    """Record every version that maps onto a declared document and is not recorded yet."""
    mapper = Mapper(targets, overrides)
    by_id = {t.id: t for t in targets}
    report = ImportReport()
    docs: dict[str, int] = {}
    seen: dict[tuple[str, str], set[str]] = {}
    for version in versions:
        target_id = mapper.target(version.service, version.terms_type)
        if target_id is None or target_id not in by_id:
            report.unmapped[f"{version.service}/{version.terms_type}"] += 1
            continue
        with store.session() as s:
            if target_id not in docs:
                docs[target_id] = sync_documents(s, [by_id[target_id]])[target_id].id
            doc = s.get(Document, docs[target_id])
            assert doc is not None
            done = seen.setdefault((target_id, version.source), seen_keys(s, doc, version.source))
            if version.key in done:
                report.known += 1
                continue
            line = record_text(s, doc, _ref(version), _item(version), detail=version.detail)
            done.add(version.key)
        report.lines.append(line)
        progress(line)
    return report


def _ref(version: OtaVersion) -> CaptureRef:
    return CaptureRef(version.source, version.key, version.fetched_at, version.url)


def _item(version: OtaVersion) -> ArchivedText:
    return ArchivedText(version.fetched_at, version.text, "import", version.url, EXTRACTOR,
                        version.technical)
