"""The language a version is written in, told by its commonest words (stop words from noise.toml).

Two versions in different languages are two editions of a document (an archive that switched page,
a site that served another locale), not an edit of one text: comparing them word by word would
report every sentence as changed.
"""

from __future__ import annotations

import re
from collections import Counter

from changes.rules import NoiseRules

SAMPLE_CHARS = 20000  # the start of a version is enough to tell its language
_WORD = re.compile(r"[^\W\d_]+")


def language(text: str, noise: NoiseRules) -> str | None:
    """The language code whose stop words dominate the text, or None when it cannot tell."""
    words: Counter[str] = Counter()
    for w, n in Counter(_WORD.findall(text[:SAMPLE_CHARS])).items():  # each distinct word lowered once
        words[w.lower()] += n
    hits = sorted(((sum(words[w] for w in stop), code) for code, stop in noise.language_stopwords), reverse=True)
    if not hits or hits[0][0] < noise.language_min_hits:
        return None
    if len(hits) > 1 and hits[0][0] < noise.language_margin * hits[1][0]:
        return None
    return hits[0][1]


def switched(old: str, new: str, noise: NoiseRules) -> tuple[str, str] | None:
    """(old language, new language) when both are told and differ, else None."""
    a, b = language(old, noise), language(new, noise)
    return (a, b) if a and b and a != b else None
