"""A sample alert for ``policywatch test-alert``: the newest material change, or a built-in one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.payload import change_payload
from store.models import Change, Document, Version


def builtin(base: str) -> dict[str, Any]:
    """A realistic change payload (LinkedIn, September 2024: AI training) with no database."""
    sentence = ("We may use your personal data to improve, develop, and provide products and "
                "Services, develop and train artificial intelligence (AI) models, develop, provide, "
                "and personalize our Services, and gain insights with the help of AI, automated "
                "systems, and inferences, so that our Services can be more relevant and useful to "
                "you and others.")
    return {
        "event": "change", "change_id": 0, "sample": True,
        "document": {"slug": "linkedin/privacy-policy", "platform": "linkedin",
                     "name": "Privacy Policy", "url": "https://www.linkedin.com/legal/privacy-policy",
                     "region": None, "language": "en"},
        "effective_date": "September 18, 2024", "fetched_at": "2024-09-19T06:00:00+00:00", "severity": "high",
        "severity_reason": "AI training added or widened in 2. How We Use Your Data (sample)",
        "labels": ["ai_training", "regions"], "evidence": {"ai_training": [sentence]},
        "regions": ["EEA", "EU", "Switzerland", "UK"],
        "hunks": [{"section": "2. How We Use Your Data", "kind": "modified", "severity": "high",
                   "labels": ["ai_training"], "evidence": {"ai_training": [sentence]},
                   "from_section": "",
                   "text": "We [-use the data that we have about you to-] {+may use your personal data "
                           "to improve, develop, and provide products and Services, develop and train "
                           "artificial intelligence (AI) models, develop,+} provide{+,+} and personalize "
                           "our Services, [-including-] {+and gain insights+} with the help of …",
                   "removed": "We use the data that we have about you to provide and personalize our "
                              "Services, including with the help of automated systems and inferences "
                              "we make, so that our Services (including ads) can be more relevant and "
                              "useful to you and others.",
                   "added": sentence}],
        "hunks_total": 1, "link": f"{base}/d/linkedin/privacy-policy",
        "page_url": "https://www.linkedin.com/legal/privacy-policy", "more_link": f"{base}/changes",
    }


def sample_payload(session: Session | None, base: str) -> dict[str, Any]:
    """The newest material change in the database as a payload, else :func:`builtin`."""
    if session is not None:
        change = session.scalars(select(Change).where(Change.material.is_(True))
                                 .order_by(Change.id.desc()).limit(1)).first()
        if change is not None:
            doc = session.get(Document, change.document_id)
            if doc is not None:
                payload = change_payload(doc, change, session.get(Version, change.new_version_id), base)
                return {**payload, "sample": True}
    return builtin(base)
