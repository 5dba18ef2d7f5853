"""Egress: where a target must be fetched from (e.g. the EU), and the proxy that gets it there.

A declaration says ``egress = "eu"``; the deployment maps egress names to proxy URLs
(``config.egress_proxies``). A target whose egress has no proxy is *not configured*: it is
listed as such and never fetched, so a page fetched from here is never stored as what EU
visitors see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from crawler.targets import Target

NOT_CONFIGURED = "not configured"


def with_egress(targets: Sequence[Target], proxies: Mapping[str, str]) -> list[Target]:
    """``targets`` with the proxy of each one's egress filled in (from ``proxies``)."""
    return [t.model_copy(update={"proxy": proxies[t.egress]})
            if t.egress is not None and t.egress in proxies else t for t in targets]


def fetchable(target: Target) -> bool:
    """False for a target that needs an egress whose proxy is not configured."""
    return target.egress is None or target.proxy is not None


def where_from(target: Target) -> str:
    """Region and egress for display: ``-``, ``eu``, ``eu via egress eu``, ``eu (not configured)``."""
    region = target.region or "-"
    if target.egress is None:
        return region
    if not fetchable(target):
        return f"{region} (egress {target.egress} {NOT_CONFIGURED})"
    return f"{region} via egress {target.egress}"
