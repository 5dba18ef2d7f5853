"""Result types of :func:`changes.compare`: a :class:`ChangeResult` made of :class:`Hunk` objects.

``ChangeResult.to_dict()`` is the JSON contract of ``policywatch classify --format json``;
``ChangeResult.from_dict()`` rebuilds a stored result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITY_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3}
CONTRACT_LABELS = ("ai_training", "opt_out", "regions")


@dataclass
class Hunk:
    """One change: where, what kind, old and new text, labels with evidence, entities."""

    section: str
    kind: str
    old: str
    new: str
    labels: list[str] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    entities: dict[str, list[str]] = field(default_factory=dict)
    material: bool = True
    severity: str = "none"
    note: str = ""
    from_section: str = ""
    """Where a moved block came from ("" unless kind is "moved")."""
    edits: list[tuple[str, str]] = field(default_factory=list)
    """The unit as word-level operations: ("=", text), ("-", deleted), ("+", inserted)."""

    def to_dict(self) -> dict[str, Any]:
        """The hunk as a JSON-ready dict (contract keys plus material, severity, note, from_section,
        edits)."""
        return {
            "section": self.section, "kind": self.kind, "old": self.old, "new": self.new,
            "labels": sorted(self.labels),
            "evidence": {k: list(v) for k, v in sorted(self.evidence.items())},
            "entities": {k: list(v) for k, v in sorted(self.entities.items())},
            "material": self.material, "severity": self.severity, "note": self.note,
            "from_section": self.from_section, "edits": [[op, text] for op, text in self.edits],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hunk:
        """Rebuild a hunk from :meth:`to_dict` output (missing optional keys get defaults)."""
        return cls(section=d.get("section", ""), kind=d["kind"], old=d.get("old", ""), new=d.get("new", ""),
                   labels=list(d.get("labels", [])), evidence={k: list(v) for k, v in d.get("evidence", {}).items()},
                   entities={k: list(v) for k, v in d.get("entities", {}).items()},
                   material=bool(d.get("material", True)), severity=d.get("severity", "none"),
                   note=d.get("note", ""), from_section=d.get("from_section", ""),
                   edits=[(str(op), str(text)) for op, text in d.get("edits", [])])


@dataclass
class ChangeResult:
    """The diff and classification of two versions of a document."""

    material: bool
    labels: list[str]
    severity: str
    severity_reason: str
    changes: list[Hunk]
    entities: dict[str, list[str]] = field(default_factory=dict)
    extra_labels: list[str] = field(default_factory=list)
    classifier_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Exactly the CLI JSON contract, plus severity_reason, entities, extra_labels, classifier_version."""
        return {
            "material": self.material,
            "labels": sorted(self.labels),
            "severity": self.severity,
            "severity_reason": self.severity_reason,
            "changes": [h.to_dict() for h in self.changes],
            "entities": {k: list(v) for k, v in sorted(self.entities.items())},
            "extra_labels": sorted(self.extra_labels),
            "classifier_version": self.classifier_version,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChangeResult:
        """Rebuild a result stored as :meth:`to_dict` JSON."""
        return cls(material=bool(d["material"]), labels=list(d.get("labels", [])),
                   severity=d.get("severity", "none"), severity_reason=d.get("severity_reason", ""),
                   changes=[Hunk.from_dict(h) for h in d.get("changes", [])],
                   entities={k: list(v) for k, v in d.get("entities", {}).items()},
                   extra_labels=list(d.get("extra_labels", [])),
                   classifier_version=d.get("classifier_version", ""))

    @property
    def material_changes(self) -> list[Hunk]:
        """Only the hunks that matter."""
        return [h for h in self.changes if h.material]
