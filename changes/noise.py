"""Decide whether a hunk is material: rules for changes that carry no meaning.

Each rule is general (not tied to one platform's wording) and conservative: a hunk that touches a
tracked label's vocabulary is never dismissed as a typo, date flap or UI label.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from changes.diff import RawHunk, Side
from changes.rules import NoiseRules
from changes.text import norm, to_display, words

_MARKER_ONLY = re.compile(r"^[\s*_#>|]*(?:\(?(?:\d{1,3}(?:\.\d{1,3})*|[ivx]{1,4}|[a-z])\\?[.)]|[-+•·])?[\s*_|]*$", re.I)
_MARKUP_RUN = re.compile(r"[\s|*_\-#>]+")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_ORDINAL = re.compile(r"^\d{1,4}(?:st|nd|rd|th)?$", re.IGNORECASE)
_TERMINAL_END = re.compile(r"[.!?][\s\"'”’)*_]*$")
_OPEN_END = re.compile(r"[.!?:;)\]]\W*$")
_PERIOD_END = re.compile(r"[.!][\s\"'”’)*_]*$")
_APOSTROPHES = re.compile("['’‘]")
_LINK_ONLY = re.compile(r"^(?:\s|[*_|·•,-])*(?:\[[^\]\n]*\]\([^\n]*?\)(?:\s|[*_|·•,-])*)+$")
_LINK_TEXT = re.compile(r"\[([^\]\n]*)\]\(")
_NAV_SPLIT = re.compile(r"\s+[*|·•]\s+|\s+\|\s*")


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopping early once it exceeds cap."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > cap:
            return cap + 1
        prev = cur
    return prev[-1]


def _is_date_word(w: str, noise: NoiseRules) -> bool:
    lw = w.lower()
    return lw in noise.month_words or lw in noise.date_words or bool(_ORDINAL.match(lw))


def _placeholder(side: Side, noise: NoiseRules) -> bool:
    text = _MARKUP_RUN.sub(" ", to_display(side.raw)).strip()
    return bool(text) and any(p.match(text) for p in noise.placeholder)


def _announcement(text: str, noise: NoiseRules) -> bool:
    plain = to_display(text)
    return any(p.search(plain) for p in noise.announcement)


def _typo(old: Side, new: Side, noise: NoiseRules) -> bool:
    ow, nw = words(old.raw), words(new.raw)
    if len(ow) + len(nw) == 1:
        w = (ow or nw)[0].lower()
        return w in noise.filler_words
    if len(ow) != 1 or len(nw) != 1:
        return False
    a, b = ow[0].lower(), nw[0].lower()
    a, b = _APOSTROPHES.sub("", a), _APOSTROPHES.sub("", b)  # "business’s" -> "business'" is typography
    if a == b or not (a.isalpha() and b.isalpha()):
        return False
    if a in noise.protected_words or b in noise.protected_words:
        return False
    cap = 0
    for min_len, dist in noise.typo_max_distance:
        if min(len(a), len(b)) >= min_len:
            cap = dist
    return cap > 0 and _edit_distance(a, b, cap) <= cap


def _truncation(side: Side, noise: NoiseRules) -> bool:
    """The change is a sentence end cut off (or restored) at the end of a block."""
    if side.suffix.strip() or not side.prefix.strip():
        return False
    prefix = side.prefix.rstrip()
    if _OPEN_END.search(prefix) or len(words(prefix)) < 2:
        return False
    changed = to_display(side.raw)
    return bool(_TERMINAL_END.search(changed)) and 0 < len(words(changed)) <= noise.truncation_max_words


def _link_items(block: str) -> list[str] | None:
    """The link texts of a line made only of links (a menu row), else None."""
    return _LINK_TEXT.findall(block) if "](" in block and _LINK_ONLY.match(block) else None


def _nav_menu(block: str, noise: NoiseRules) -> bool:
    links = _link_items(block)
    if links and noise.language_link is not None and all(noise.language_link.match(i.strip()) for i in links):
        return True  # a language switcher ("日本語 (ja-JP)", "Français")
    if links is not None and len(links) >= noise.nav_min_items:
        # a footer row of links may hold a longer item or two (an icon's alt text, a campaign)
        sizes = [len(words(i)) for i in links]
        return sum(n <= 3 for n in sizes) >= 0.8 * len(sizes) and max(sizes) <= 10
    items = [i for i in _NAV_SPLIT.split(to_display(block).strip(" *|")) if i.strip()]
    return len(items) >= noise.nav_min_items and all(len(words(i)) <= 3 for i in items)


def _menu(side: Side, noise: NoiseRules) -> bool:
    """The change adds or removes whole lines that together form a menu (a nav bar or a language
    list): one line of many short items, or many lines of one short item each. Menus are noise
    even when an item names a country or says "Unsubscribe"."""
    if side.prefix.strip() or side.suffix.strip() or not side.blocks:
        return False
    short = [len(words(b)) <= 3 and not _PERIOD_END.search(to_display(b).strip(" *_#|")) for b in side.blocks]
    if len(side.blocks) >= noise.nav_min_items and sum(short) >= 0.9 * len(short):
        return all(_nav_menu(b, noise) or len(words(b)) <= noise.label_line_max_words + 2
                   for b in side.blocks)
    return all(_nav_menu(b, noise) for b in side.blocks)


def _label_lines(side: Side, noise: NoiseRules) -> bool:
    """The change adds or removes whole short lines that read like UI labels, not sentences."""
    if side.prefix.strip() or side.suffix.strip() or not side.blocks:
        return False
    if len(side.blocks) == 1 and _LIST_ITEM.match(side.blocks[0]) and _link_items(side.blocks[0].lstrip(" -*+•")):
        return False  # one linked item added to or removed from a list: content (a list of product notices)
    for block in side.blocks:
        plain = to_display(block).strip(" *_#|")
        if _nav_menu(block, noise):
            continue
        if len(words(plain)) > noise.label_line_max_words or _PERIOD_END.search(plain):
            return False
    return True


# "3", "1.2", "(a)", "iv.", and outline numbers "B.3.a", "C.1.a.iii" (a single letter or roman
# numeral alone only with its "." or ")": "a" and "I" are words; "e.g.", "a.m." are not numbers).
_NUMBER = re.compile(r"^(?![A-Za-z]\.[A-Za-z]\.)\(?\.?(?:\d{1,3}|[A-Za-z](?=[.)]|\.\w)|[ivxIVX]{1,4}(?=[.)]))"
                     r"(?:\.(?:\d{1,3}|[A-Za-z]|[ivxlIVXL]{1,5}))*[.)]?$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s")
_ANCHOR_LINK = re.compile(r"\]\(#[^)\s]*\)")


def _changed_tokens(h: RawHunk) -> list[str]:
    """The whitespace-separated tokens of both changed sides, as a reader sees them."""
    return [t for side in (h.old, h.new) for t in to_display(side.raw).split()]


def _numbering(h: RawHunk, noise: NoiseRules) -> bool:
    """Only numbers changed (list items renumbered, page numbers of a contents list), with no unit
    or meaning word beside them: "30 days" -> "90 days" stays material."""
    # dot leaders of a contents list, and emphasis markers set around the renumbered item's term
    changed = [t.strip("*_\\") for t in _changed_tokens(h) if t.strip(".*_\\")]
    if not changed or not all(_NUMBER.match(t) for t in changed):
        return False
    def joined(side: Side) -> bool:
        before, after = side.prefix[-1:], side.suffix[:1]
        return bool(before and (before.isalnum() or before in "-/,"
                                or before == "." and side.prefix[-2:] != "..")  # dot leaders are layout
                    or after and (after.isalnum() or after in "-/"))
    if any(side.raw and joined(side) for side in (h.old, h.new)):
        return False  # part of a longer number (a phone number, a date, an amount)
    around = [w.lower() for side in (h.old, h.new)
              for w in words(side.prefix)[-2:] + words(side.suffix)[:2]]
    return not any(w in noise.number_units for w in around) and not any(
        ch in side.prefix[-3:] + side.suffix[:3] for side in (h.old, h.new) for ch in "%€$£")


_WEB_ADDRESS = re.compile(r"^[\[(<*_]*(?:https?://\S+|(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|ai|org|net|io|fr|de|co|app|eu|uk|gov)(?:/\S*)?)[\])>*_.,]*$")


def _web_address_only(h: RawHunk) -> bool:
    """Only web addresses changed, shown as themselves (a link's target is already ignored); an
    e-mail address is where to exercise a right, so it stays material."""
    changed = _changed_tokens(h)
    return bool(changed) and all(_WEB_ADDRESS.match(t) for t in changed)


def _filler_edits(h: RawHunk, noise: NoiseRules) -> bool:
    """Every edit of the unit only adds or drops filler words ("apps that we offer ... data that you
    provide") or punctuation."""
    changed = [e for e in h.edits if e[0] != 0]
    return bool(changed) and all(w.lower() in noise.filler_words for _, text in changed for w in words(text))


_DETAIL_NUMBER = re.compile(r"^[\d\s/+().-]*\d[\d\s/+().-]*$")


def _contact_detail(h: RawHunk, noise: NoiseRules) -> bool:
    """Only a postal address or a person's name changed in a company's contact or registration
    details (an office moved, a new director): every changed word is a number, a capitalised name
    or an address word, in a sentence the contact pattern recognises. An e-mail or web address and a
    company's legal form ("GmbH", "Ltd") are not details: they stay material."""
    if noise.contact is None or not noise.contact.search(h.new.ctx or h.old.ctx):
        return False
    changed = [w for op, text in h.edits if op != 0 for w in text.split()]
    if not changed or len(changed) > 2 * noise.label_line_max_words:
        return False
    for token in changed:
        word = token.strip(".,;:()[]*_\"'“”‘’")
        if not word:
            continue
        if "@" in word or "/" in word or word.lower().rstrip(".") in noise.legal_forms:
            return False
        if not (_DETAIL_NUMBER.match(word) or word.lower() in noise.address_words
                or word[0].isupper() and word[1:] != word[1:].upper() or len(word) <= 2 and word[0].isupper()):
            return False
    return True


def _abbreviation(ow: list[str], nw: list[str]) -> bool:
    """One word written out or shortened ("article" <-> "art.")."""
    if len(ow) != 1 or len(nw) != 1:
        return False
    a, b = sorted((ow[0].lower(), nw[0].lower()), key=len)
    return len(a) >= 2 and a != b and b.startswith(a) and a.isalpha() and b.isalpha()


def _contents(side: Side) -> bool:
    """The change adds or removes whole lines that link to places in the same page: a table of
    contents, maybe under its short heading ("Table of contents", "Sommaire"), maybe after a line
    the unit also edits."""
    if side.suffix.strip() or len(side.blocks) < 2:
        return False
    lines = [x.strip() for x in side.raw.split("\n") if x.strip()]
    if side.prefix.strip() and not all(x in {b.strip() for b in side.blocks} for x in lines):
        return False  # the change starts inside a line
    anchors = 0
    for b in lines if side.prefix.strip() else side.blocks:
        if _ANCHOR_LINK.search(b) and _link_items(b.lstrip("0123456789.*-+ \\")) is not None:
            anchors += 1
        elif words(b) and (len(words(b)) > 3 or _PERIOD_END.search(to_display(b).strip(" *_#|"))
                           or "](" in b):
            return False
    return anchors >= 2


def _cookie_banner(side: Side, noise: NoiseRules) -> bool:
    """The change adds or removes a short block about cookies with consent buttons (the site's
    cookie banner captured with the page)."""
    text = to_display(side.raw)
    if "cookie" not in text.lower():
        return False
    hits = sum(1 for p in noise.cookie_banner if p.search(text))
    # a consent manager's whole dump (its vendor list) is long, but says several banner phrases
    return hits >= 2 or hits == 1 and len(words(text)) <= noise.cookie_banner_max_words


def _menu_label(h: RawHunk, noise: NoiseRules) -> bool:
    """A line made only of short links (a menu row) changed its text, or was added or removed alone;
    or a short heading over lines of one link each was added or removed whole (a side menu:
    "Espace de confidentialité" over "Gestion des cookies", "Politique de traitement ...")."""
    sides = [x for x in (h.old, h.new) if x.blocks]
    for side in sides:
        linked = [b for b in side.blocks if _link_items(b) is not None]
        heads = [to_display(b).strip(" *_#|") for b in side.blocks if _link_items(b) is None]
        if not linked or len(heads) > 1 or any(  # a menu row, maybe under its short heading
                len(words(x)) > 3 or _PERIOD_END.search(x) for x in heads):
            return False
        if len(linked) > 1 and (h.kind == "modified" or not heads or side.prefix.strip() or side.suffix.strip()):
            return False  # several link lines: only a whole menu under its heading, added or removed
        for line in linked:
            if _LIST_ITEM.match(line):
                return False  # an item of a list of links is content (a list of product notices)
            links = _link_items(line)
            if len(linked) > 1 and (not links or len(links) != 1):
                return False
            longest = 2 * noise.label_line_max_words if links and len(links) == 1 else noise.label_line_max_words
            if not links or any(len(words(x)) > longest for x in links):
                return False
    return bool(sides)


def _title_line(h: RawHunk, noise: NoiseRules, is_name: Callable[[str], bool] | None) -> bool:
    """The unit only adds, removes or rewords a document's title or a breadcrumb line ("ZOOM TERMS OF
    SERVICE", "Legal / Privacy Policy", "Avis de confidentialité"): every word it changes names a kind
    of document, is a breadcrumb word, a joining word or the service's name, and so does every other
    word of the short lines it touches, but for a date ("Privacy Policy - Effective March 1, 2024");
    each side it changes holds a word of the title list itself (a company's name is no title)."""
    if not noise.title_words:
        return False
    names: set[str] = set()  # capitalised words that must be the service's name

    def title(w: str) -> bool:
        low = w.lower()
        if low in noise.title_words or low in noise.title_joiners:
            return True
        if is_name is None or not w[:1].isupper() or low in noise.legal_forms:
            return False
        names.add(w)
        return True

    changed = [w for op, text in h.edits if op != 0 for w in words(text)]
    if not changed or not all(title(w) for w in changed):
        return False
    for side in (h.old, h.new):
        if not side.raw:
            continue
        kinds = 0
        for line in side.blocks:
            ws = words(line)
            if len(ws) > noise.title_max_words or not all(
                    w.isdigit() or _is_date_word(w, noise) or title(w) for w in ws):
                return False
            kinds += sum(w.lower() in noise.title_words for w in ws)
        if not kinds:
            return False
    return is_name is None or all(is_name(w) for w in names)  # the costly check last


class Names:
    """The service's name as its versions write it: a capitalised word found at least
    ``name_min_count`` times in a version and capitalised in nearly all its occurrences ("Zoom",
    "ZOOM", "Lime"). Counted on first use, per word."""

    def __init__(self, texts: tuple[str, ...], noise: NoiseRules) -> None:
        self.texts = texts
        self.min_count = noise.name_min_count
        self.seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        key = word.lower()
        if key not in self.seen:
            self.seen[key] = bool(self.min_count) and any(self._name_in(text, key) for text in self.texts)
        return self.seen[key]

    def _name_in(self, text: str, key: str) -> bool:
        # not inside a web or e-mail address ("explore.zoom.us", "privacy@zoom.us"): those are lower case
        found = re.findall(rf"(?<![\w./@-]){re.escape(key)}(?![\w@/-]|\.\w)", text, re.IGNORECASE)
        capital = sum(1 for x in found if x[:1].isupper())
        return len(found) >= self.min_count and capital >= 0.9 * len(found)


def formatting_only(h: RawHunk, noise: NoiseRules) -> str:
    """Why a hunk carries no meaning whatever its words (moved, formatting, placeholder), or ''."""
    material, reason = _judge_form(h, noise)
    return "" if material else reason


def _judge_form(h: RawHunk, noise: NoiseRules) -> tuple[bool, str]:
    if h.kind == "moved":
        if norm(h.old.raw, noise) == norm(h.new.raw, noise):
            return False, "moved without rewording"
        return True, ""
    if norm(h.old.raw, noise) == norm(h.new.raw, noise) or (
            h.old.blocks and norm("\n".join(h.old.blocks), noise) == norm("\n".join(h.new.blocks), noise)):
        return False, "formatting only (whitespace, quotes, case, list markers, links, tracking, timestamps)"
    if _placeholder(h.old, noise) or _placeholder(h.new, noise):
        return False, "rendering placeholder"
    if _MARKER_ONLY.match(to_display(h.old.raw)) and _MARKER_ONLY.match(to_display(h.new.raw)):
        return False, "list numbering only"
    return True, ""


def judge(h: RawHunk, has_cues: bool, has_direct: bool, noise: NoiseRules) -> tuple[bool, str]:
    """(material, reason) for one hunk.

    has_cues: the hunk got a label; has_direct: label vocabulary overlaps the changed words.
    """
    material, reason = _judge_form(h, noise)
    if not material:
        return material, reason
    return judge_content(h, has_cues, has_direct, noise)


def judge_content(h: RawHunk, has_cues: bool, has_direct: bool, noise: NoiseRules,
                  is_name: Callable[[str], bool] | None = None) -> tuple[bool, str]:
    """:func:`judge` for a hunk already known not to be formatting only (``formatting_only`` gave '');
    ``is_name`` tells the service's name (:class:`Names`)."""
    if h.old.raw and _announcement(h.old.raw, noise) and not _announcement(h.new.raw, noise):
        if h.kind == "removed" or all(_is_date_word(w, noise) for w in words(h.new.raw)) or _placeholder(h.new, noise):
            return False, "update announcement removed"
    whole = h.new if h.kind == "added" else h.old if h.kind == "removed" else None  # a block added or removed
    if whole is not None:
        if _menu(whole, noise):
            return False, "navigation menu"
        if _contents(whole):
            return False, "table of contents"
        if _cookie_banner(whole, noise):
            return False, "cookie-consent banner"
    if has_direct:
        return True, ""
    if _typo(h.old, h.new, noise) or _filler_edits(h, noise):
        return False, "typo fix"
    ow, nw = words(h.old.raw), words(h.new.raw)
    if ow + nw and all(_is_date_word(w, noise) for w in ow + nw):
        ctx = words(h.new.ctx or h.old.ctx)
        if len(ctx) <= 20 and any(w.lower() in noise.month_words or _YEAR.match(w) for w in ctx) \
                or (noise.revision is not None and noise.revision.search(h.new.ctx or h.old.ctx)):
            return False, "revision date only"
    if _numbering(h, noise):
        return False, "numbering only (list or page numbers)"
    if _web_address_only(h):
        return False, "web address only"
    if _abbreviation(ow, nw):
        return False, "abbreviation written out or shortened"
    if has_cues:
        return True, ""
    if _contact_detail(h, noise):
        return False, "contact or registration details only (postal address, names)"
    if _menu_label(h, noise):
        return False, "menu link label"
    if _title_line(h, noise, is_name):
        return False, "document title or breadcrumb"
    if whole is not None and _truncation(whole, noise):
        return False, "truncated sentence end (extraction glitch)"
    if whole is not None and _label_lines(whole, noise):
        return False, "UI label or navigation text"
    if h.old.blocks and h.new.blocks and all(_nav_menu(b, noise) for b in h.old.blocks + h.new.blocks):
        return False, "navigation menu"
    return True, ""
