"""What the diff hands the classifier: one :class:`RawHunk` per change unit, with both sides.

Importable as ``changes.diff.RawHunk`` / ``changes.diff.Side`` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Side:
    """One side (old or new) of a hunk, with what the noise rules and classifier need."""

    raw: str = ""                      # the changed span as in the document (Markdown)
    ctx: str = ""                      # display text of the sentence(s) around the change
    spans: list[tuple[int, int]] = field(default_factory=list)  # changed char spans in ctx
    prefix: str = ""                   # display text of the block before the change
    suffix: str = ""                   # display text of the block after the change
    blocks: list[str] = field(default_factory=list)              # whole blocks the change touches
    text: str = ""                     # the whole unit (sentence or sentences) as in the document


@dataclass
class RawHunk:
    """A change unit before judging: kind, section and both sides.

    ``edits`` is the unit as word-level operations over document text (0 equal, -1 deleted,
    1 inserted). A moved block has ``moved`` set and ``from_section`` its old section; an edited
    moved block keeps kind "modified" so that its edits are classified.
    """

    kind: str
    section: str
    old: Side
    new: Side
    edits: list[tuple[int, str]] = field(default_factory=list)
    from_section: str = ""
    moved: bool = False
