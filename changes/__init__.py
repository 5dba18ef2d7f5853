"""Diff and classify two versions of a policy: ``compare(old_text, new_text) -> ChangeResult``.

Pure functions of two texts; rules (vocabulary, patterns, weights, severity) live in
``changes/rules/*.toml`` and are loaded once.
"""

from changes.compare import CLASSIFIER_VERSION, compare, compared
from changes.model import ChangeResult, Hunk

__all__ = ["CLASSIFIER_VERSION", "ChangeResult", "Hunk", "compare", "compared"]
