"""How the UI names things: a document's edition (language, region) and the contract labels.

Data, not code: add a language here to have its name shown instead of its code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from store.models import Document

LANGUAGES = {
    "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fr": "French",
    "hi": "Hindi", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish",
    "tr": "Turkish", "zh": "Chinese",
}
LABEL_NAMES = {"ai_training": "AI training", "opt_out": "Opt-out", "regions": "Regions"}


def edition(doc: Document) -> str:
    """"Hindi edition, region IN" from the document's language and region ('' when neither)."""
    code = (doc.language or "").split("-")[0].lower()
    parts = [f"{LANGUAGES.get(code, doc.language)} edition"] if doc.language else []
    if doc.region:
        parts.append(f"region {doc.region.upper()}")
    return ", ".join(parts)


def shared_names(docs: Iterable[Document]) -> set[str]:
    """Names (titles) that more than one document has: those rows need their edition shown."""
    counts = Counter(d.name for d in docs)
    return {name for name, n in counts.items() if n > 1}


def label_name(label: str) -> str:
    return LABEL_NAMES.get(label, label.replace("_", " "))


_LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def lang_tag(language: str | None) -> str:
    """A valid BCP 47 tag for ``lang=`` from a document's language ("en" when none is)."""
    first = (language or "").split(",")[0].split(";")[0].strip()
    return first if _LANG_TAG.fullmatch(first) else "en"
