"""Text helpers: cleaning, word tokens, display text and the normal form used to judge materiality.

Tokens keep the document's Markdown intact (a whole ``[text](url)`` link is one token), so a diff
over tokens shows link-target changes, while :func:`norm` erases everything that carries no meaning
(whitespace, quotes, case, list markers, link targets, tracking parameters, relative timestamps).
"""

from __future__ import annotations

import functools
import re
from re import _constants as _sre, _parser  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from changes.rules import NoiseRules

_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")
_SPACES = re.compile("[\u00a0\u202f\u2007\u2009\u3000\t\r\f\v]")
# The link target parts below are possessive (``++``, ``*+``): a target is a run of characters other
# than parentheses and spaces, or a parenthesised such run; giving characters back can never let the
# rest of the pattern match (it goes on with a space, a quote or ")"), so the matches are those of the
# plain quantifiers, found without the per-character backtracking state.
# A link's destination: in angle brackets (CommonMark's form for one with spaces: "(<#Previous User
# Agreement>)"), an in-page anchor written with its spaces ("(#Previous User Agreement)", as archives
# write it), or a run as above. The two forms of one anchor must read alike.
_DEST = r"(?:<[^<>\n]*+>|#[^()\n]*+|(?:[^()\s]++|\([^()\s]*+\))*+)"
TOKEN = re.compile(
    r"!?\[[^\]\n]*\]\(" + _DEST + r"(?:\s+\"[^\"\n]*\")?\)"  # Markdown link or image (with an
    #                                                                  optional "title"), one token
    r"|<[^<>\n]{1,200}>"                              # an HTML tag such as <br>
    r"|https?://[^\s<>()\[\]]+"                      # bare URL
    r"|[\w’'\u2019]+"                                # word (apostrophes inside)
    r"|\n|[ ]+"                                       # line break / spaces
    r"|[^\w\s]"                                       # any other single character
)
LINK = re.compile(r"(!?)\[([^\]\n]*)\]\((" + _DEST + r")(?:\s+\"[^\"\n]*\")?\)")
# LINK for to_display: the same matches, but every alternative starts with a literal ("![" or "["),
# so the regex engine skips to the next "!" or "[" fast instead of trying each position; group 1 is
# LINK's group 2 (the link's text).
_LINK_TEXT = re.compile(r"(?:!\[|\[)([^\]\n]*)\]\(" + _DEST + r"(?:\s+\"[^\"\n]*\")?\)")
_TAG = re.compile(r"<[^<>\n]{1,200}>")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\(" + _DEST + r"(?:\s+\"[^\"\n]*\")?\)")
_URL = re.compile(r"https?://[^\s<>()\[\]]+")
# A "mailto:" scheme left in a link's visible text by broken markup ("(mailto:[privacy@x.ai](...))"
# shows "(mailto:privacy@x.ai)"): the address is the words a reader reads, not the scheme.
_MAILTO = re.compile(r"\bmailto:", re.I)
# 1.4: a number in bold ("**1\. Comment ...**", a contents entry) is a list marker too
_LIST_MARKER = re.compile(r"(?m)^\s*(?:[-*+•·>]+|[*_]{0,3}(?:\d+(?:\\?\.\d+)*\\?[.)]|\(?[a-zA-Z]\)|[ivxIVX]+\\?\.))\s+")
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


# Non-ASCII characters that case-insensitive matching equates with an ASCII letter, or whose
# lower-case form is ASCII or longer than one character (found by trying every code point): in a
# text holding one, a literal's presence or absence in the lower-cased text proves nothing about an
# ignore-case match.
_CASE_TRAPS = re.compile("[\u00df\u0130\u0131\u017f\u1e9e\u212a\ufb00-\ufb06]")


def case_trap(text: str) -> bool:
    """Whether `text` holds a character for which lower-cased literal tests say nothing."""
    return not text.isascii() and _CASE_TRAPS.search(text) is not None


_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)


def _clauses(items: Any) -> list[frozenset[str]]:
    """What every match of a parsed regex sequence holds, as clauses: each match contains one string
    of every clause (lower-case ASCII). Parts that prove nothing (classes, optional parts, non-ASCII
    letters) give no clause, so the clauses can only be weaker than the regex, never stronger."""
    out: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL and av < 128:
            run.append(chr(av).lower())  # consecutive literals are consecutive characters of a match
            continue
        if run:
            out.append(frozenset(["".join(run)]))
            run = []
        if op is _sre.SUBPATTERN:
            out += _clauses(av[-1])
        elif op is _sre.ATOMIC_GROUP:
            out += _clauses(av)
        elif op in _REPEATS and av[0] >= 1:
            out += _clauses(av[2])
        elif op is _sre.BRANCH:  # one string of each alternative's longest clause
            picks = [max(c, key=lambda x: min(map(len, x))) if (c := _clauses(alt)) else None for alt in av[1]]
            if all(p is not None for p in picks):
                out.append(frozenset().union(*picks))  # type: ignore[arg-type]
    if run:
        out.append(frozenset(["".join(run)]))
    return out


@functools.lru_cache(maxsize=512)  # the noise regex and every mask entry of the rules
def _prefilter(pattern: re.Pattern[str]) -> tuple[list[frozenset[str]], ...] | None:
    """Per top-level alternative of `pattern`, the clauses of :func:`_clauses`; None when some
    alternative has none (or the regex cannot be read), so that nothing can be ruled out."""
    try:
        items = _parser.parse(pattern.pattern, pattern.flags).data
        alts = [x.data for x in items[0][1][1]] if len(items) == 1 and items[0][0] is _sre.BRANCH else [items]
        out = tuple(_clauses(alt) for alt in alts)
    except Exception:  # pragma: no cover - another Python's parser
        return None
    return None if not all(out) else out


def _may_match(pattern: re.Pattern[str], text: str, low: str) -> bool:
    """False only when `pattern` cannot match `text` (``low`` is ``text.lower()``): no top-level
    alternative has all its required strings in the lower-cased text. Regexes with long runs of
    alternatives and no fixed first character try a match at every position, so ruling one out by
    substring tests is much cheaper than the search."""
    pre = _prefilter(pattern)
    return pre is None or case_trap(text) or literals_allow(pre, low)


def literals_allow(pre: tuple[list[frozenset[str]], ...], low: str) -> bool:
    """Whether some alternative of a :func:`_prefilter` result has every clause's literal in the
    lower-cased text ``low`` (False: the regex cannot match it)."""
    return any(all(any(s in low for s in clause) for clause in alt) for alt in pre)


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
    if "ailto:" in text or "AILTO:" in text:  # mailto:, Mailto:, MAILTO:
        text = _MAILTO.sub("", text)
    low = text.lower()
    if (any(lit in low for lit in noise.ignore_literals) or not noise.ignore_literals) \
            and _may_match(noise.ignore, text, low):
        text = noise.ignore.sub(" ", text)
    text = _LIST_MARKER.sub(" ", text).lower()
    # the characters _KEEP matches (' ’ ‘ dropped too); in an ASCII text _DROP deletes the others at
    # once (translate's fast path; a non-ASCII text would take its slow path, one look-up a character)
    return text.translate(_DROP) if text.isascii() else "".join(_KEEP.findall(text))


_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> list[str]:
    """Alphanumeric words of a text (for counts and typo checks)."""
    return _WORDS.findall(to_display(text))
