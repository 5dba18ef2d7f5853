"""Link normalisation: absolute URLs, unwrapped redirectors, no tracking parameters.

Everything that decides what is noise in a URL is data (the tuples and dicts below),
so a new tracking parameter is a one-line change with a test case.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

#: Query parameters that only track the click; removed from every link.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "trk", "trkinfo", "trkemail", "lipi", "licu", "lici", "midtoken", "midsig",
        "trackingid", "refid", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid",
        "_hsenc", "_hsmi", "igshid", "yclid", "_ga", "_gl", "veh",
    }
)

#: Parameter prefixes that only track the click.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

#: When the key is present, the listed companion parameters are tracking too
#: (LinkedIn's ``?trk=…&lang=en``, Google's ``?src=or-search&veh=www.google.com``).
COMPANION_PARAMS: dict[str, tuple[str, ...]] = {"trk": ("lang",), "veh": ("src",)}

#: Redirector hosts/paths and the parameter that holds the real target.
REDIRECTORS: tuple[tuple[str, str, str], ...] = (
    (".safelinks.protection.outlook.com", "/", "url"),
    ("www.google.com", "/url", "q"),
    ("www.google.com", "/url", "url"),
    ("www.linkedin.com", "/redir/redirect", "url"),
    ("l.facebook.com", "/l.php", "u"),
)

_DROP_SCHEMES = ("javascript:",)


def _unwrap(url: str, depth: int = 0) -> str:
    """Follow redirector wrappers (Outlook safelinks, Google, LinkedIn) to the target."""
    if depth > 3:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for suffix, path, param in REDIRECTORS:
        host_ok = host.endswith(suffix) if suffix.startswith(".") else host == suffix
        if host_ok and parts.path.rstrip("/") == path.rstrip("/"):
            for key, value in parse_qsl(parts.query, keep_blank_values=True):
                if key == param and value.startswith(("http://", "https://")):
                    return _unwrap(value, depth + 1)
    return url


def _is_tracking(key: str) -> bool:
    low = key.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def strip_tracking(url: str) -> str:
    """Remove tracking query parameters, keeping the others in their order."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    keys = {k.lower() for k, _ in pairs}
    companions = {c for k, cs in COMPANION_PARAMS.items() if k in keys for c in cs}
    kept = [(k, v) for k, v in pairs if not _is_tracking(k) and k.lower() not in companions]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True)))


def clean_href(href: str, base_url: str | None = None) -> str | None:
    """Return the normalised link target, or ``None`` if the link should be dropped.

    Fragment-only links (``#data``) stay relative so they do not change with the
    fetched URL; other relative links are made absolute against ``base_url``.
    """
    href = href.strip()
    if not href or href.lower().startswith(_DROP_SCHEMES):
        return None
    if href.startswith("#"):
        return href
    if base_url:
        href = urljoin(base_url, href)
    if not href.startswith(("http://", "https://")):
        return href
    return strip_tracking(_unwrap(href))
