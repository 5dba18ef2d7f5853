"""Text helpers: cleaning, word tokens, display text and the normal form used to judge materiality.

Tokens keep the document's Markdown intact (a whole ``[text](url)`` link is one token), so a diff
over tokens shows link-target changes, while :func:`norm` erases everything that carries no meaning
(whitespace, quotes, case, list markers, link targets, tracking parameters, relative timestamps).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from changes.rules import NoiseRules

_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")
_SPACES = re.compile("[\u00a0\u202f\u2007\u2009\u3000\t\r\f\v]")
# The link target parts below are possessive (``++``, ``*+``): a target is a run of characters other
# than parentheses and spaces, or a parenthesised such run; giving characters back can never let the
# rest of the pattern match (it goes on with a space, a quote or ")"), so the matches are those of the
# plain quantifiers, found without the per-character backtracking state.
TOKEN = re.compile(
    r"!?\[[^\]\n]*\]\((?:[^()\s]++|\([^()\s]*+\))*+(?:\s+\"[^\"\n]*\")?\)"  # Markdown link or image (with an
    #                                                                  optional "title"), one token
    r"|<[^<>\n]{1,200}>"                              # an HTML tag such as <br>
    r"|https?://[^\s<>()\[\]]+"                      # bare URL
    r"|[\w’'\u2019]+"                                # word (apostrophes inside)
    r"|\n|[ ]+"                                       # line break / spaces
    r"|[^\w\s]"                                       # any other single character
)
LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(((?:[^()\s]++|\([^()\s]*+\))*+)(?:\s+\"[^\"\n]*\")?\)")
# LINK for to_display: the same matches, but every alternative starts with a literal ("![" or "["),
# so the regex engine skips to the next "!" or "[" fast instead of trying each position; group 1 is
# LINK's group 2 (the link's text).
_LINK_TEXT = re.compile(r"(?:!\[|\[)([^\]\n]*)\]\((?:[^()\s]++|\([^()\s]*+\))*+(?:\s+\"[^\"\n]*\")?\)")
_TAG = re.compile(r"<[^<>\n]{1,200}>")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\((?:[^()\s]++|\([^()\s]*+\))*+(?:\s+\"[^\"\n]*\")?\)")
_URL = re.compile(r"https?://[^\s<>()\[\]]+")
_LIST_MARKER = re.compile(r"(?m)^\s*(?:[-*+•·>]+|\d+(?:\\?\.\d+)*\\?[.)]|\(?[a-zA-Z]\)|[ivxIVX]+\\?\.)\s+")
_KEEP = re.compile(r"[^\W_]+|[$€£%@]")
# Characters _KEEP never keeps: the ASCII ones other than letters, digits, $, % and @, and ’ ‘.
# "".join(_KEEP.findall(x)) keeps exactly the characters of x that _KEEP matches, so deleting these
# first (fast) changes nothing, and what is left is the answer when it is all ASCII.
_DROP = {i: None for i in (*range(128), ord("’"), ord("‘")) if not (chr(i).isalnum() or chr(i) in "$%@")}


_INVISIBLE_CHARS = "\ufeff\u200b\u200c\u200d\u2060\u00ad"  # what _INVISIBLE matches
_SPACE_CHARS = "\u00a0\u202f\u2007\u2009\u3000\t\r\f\v"   # what _SPACES matches


def clean(text: str) -> str:
    """Drop BOM / zero-width characters, unify line ends and odd spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # same as _SPACES.sub(" ", _INVISIBLE.sub("", text)), but a scan per character is cheaper
    for ch in _INVISIBLE_CHARS:
        if ch in text:
            text = text.replace(ch, "")
    for ch in _SPACE_CHARS:
        if ch in text:
            text = text.replace(ch, " ")
    return text


def tokenize(line: str) -> list[str]:
    """Split one block into tokens (whitespace runs collapse to a single space)."""
    toks = TOKEN.findall(line)
    if "  " not in line and "\t" not in line:  # no run of spaces: nothing to collapse
        return toks
    return [" " if t.isspace() and t != "\n" else t for t in toks]


def display(token: str) -> str:
    """What a reader sees for a token: a link's text, a space for a tag, else the token."""
    if token.startswith("[") or token.startswith("!["):
        m = LINK.fullmatch(token)
        if m:
            return m.group(2)
    if token.startswith("<"):
        return " "
    return token


def canonical_url(url: str, noise: NoiseRules) -> str:
    """A URL without tracking parameters or redirect wrappers (Outlook safelinks and the like)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host_path = parts.netloc + parts.path
    if any(w in host_path for w in noise.wrapper_hosts):
        for k, v in parse_qsl(parts.query):
            if k in ("url", "u", "q") and v.startswith("http"):
                return canonical_url(unquote(v), noise)

    def tracked(key: str) -> bool:
        return any(key == p or (p.endswith("*") and key.startswith(p[:-1])) for p in noise.tracking_params)

    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not tracked(k)])
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), query, parts.fragment))


def to_display(text: str) -> str:
    """Markdown to plain reading text: links become their text, tags become spaces."""
    if "[" not in text and "<" not in text:
        return text
    return _to_display(text)


@functools.lru_cache(maxsize=2048)
def _to_display(text: str) -> str:
    """to_display of a text with a link or tag (cached: the noise rules, the echo pass and the
    classifier read the same texts)."""
    if "[" in text:
        text = _LINK_TEXT.sub(r"\1", text)  # the link's text (group 1 always takes part)
    return _TAG.sub(" ", text) if "<" in text else text  # <br> is a tag too: a space


# NoiseRules by id(), for _norm_cached's key: hashing a NoiseRules (a frozen dataclass of
# compiled regexes and tuples) costs about 12 us, more than most look-ups it would key. The
# rules are kept here, so an id is never reused for other rules.
_NOISE_BY_ID: dict[int, NoiseRules] = {}


def norm(text: str, noise: NoiseRules) -> str:
    """The materiality key of a text: equal keys mean no change a reader would care about."""
    key = id(noise)
    if key not in _NOISE_BY_ID:
        _NOISE_BY_ID[key] = noise
    return _norm_cached(text, key)


@functools.lru_cache(maxsize=8192)
def _norm_cached(text: str, noise_id: int) -> str:
    noise = _NOISE_BY_ID[noise_id]
    text = clean(text) if "\r" in text or not text.isascii() else text
    if "[" in text or "<" in text:
        if "![" in text:
            text = _IMAGE.sub(" ", text)  # an image's alt text and address carry no policy text
        text = to_display(text)
    if "http" in text:
        text = _URL.sub(lambda m: canonical_url(m.group(0), noise), text)
    low = text.lower()
    if any(lit in low for lit in noise.ignore_literals) or not noise.ignore_literals:
        text = noise.ignore.sub(" ", text)
    text = _LIST_MARKER.sub(" ", text).lower().translate(_DROP)  # drops ' ’ ‘ too
    return text if text.isascii() else "".join(_KEEP.findall(text))


_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> list[str]:
    """Alphanumeric words of a text (for counts and typo checks)."""
    return _WORDS.findall(to_display(text))
