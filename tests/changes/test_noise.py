"""Every pair in the corpus README's noise catalogue is not material, and noise has no labels."""

from __future__ import annotations

import pytest

from changes import compare
from tests.changes.conftest import DEVSET, load_jsonl, version_text

CASES = [(row["pattern"], a, b) for row in load_jsonl(DEVSET / "noise_catalogue.jsonl") for a, b in row["pairs"]]


@pytest.mark.parametrize("pattern,old,new", CASES, ids=[f"{a}->{b.rsplit('/', 1)[1]}" for _, a, b in CASES])
def test_catalogue_pair_not_material(pattern: str, old: str, new: str) -> None:
    result = compare(version_text(old), version_text(new))
    loud = [(h.kind, h.old[:80], h.new[:80]) for h in result.changes if h.material]
    assert not result.material, (pattern, loud[:3])
    assert result.labels == [] and result.severity == "none"


def test_noise_hunks_are_reported_not_hidden() -> None:
    """Tracking-parameter changes appear as hunks marked not material, with a reason."""
    result = compare(version_text("contrib/privacy-policy/2022-09-20"), version_text("contrib/privacy-policy/2022-11-04"))
    assert result.changes and all(not h.material and h.note for h in result.changes)


def test_bold_numbered_contents_entries_are_list_markers() -> None:
    """SHEIN (fr, 2026): contents entries lose the bold around their numbers and point at in-page
    anchors instead of stray chatgpt.com addresses: the same text (classifier 1.4)."""
    from changes.rules import load_rules
    from changes.text import norm

    noise = load_rules().noise
    old = ('[**1\\. Comment Nous Traitons Vos Données Personnelles >**](https://chatgpt.com/c/6a7e#ps-1 '
           '"https://chatgpt.com/c/6a7e#ps-1")')
    new = "[1\\. Comment Nous Traitons Vos Données Personnelles >](linkto:#ps-1)"
    assert norm(old, noise) == norm(new, noise)
    assert norm("**1\\. Données**", noise) != norm("**1\\. Cookies**", noise)


CONTACT = ("Yelp Ireland Ltd., 70 Sir John Rogerson’s Quay, Dublin 2, Ireland; CRO no: 484943; "
           "Director: {who}; Tel: +353 (0)1 4863212, E-mail: {mail}")


@pytest.mark.parametrize(("old", "new", "material"), [
    # a new director, a moved office: where the company sits and who signs for it
    (CONTACT.format(who="L. Wilson (US)", mail="privacy@yelp.ie"),
     CONTACT.format(who="E. Jajeh (US)", mail="privacy@yelp.ie"), False),
    ("Our contact details are as follows: Am Strandkai 1, 20457 Hamburg, Germany, Tel.: +49 40 419 131-0.",
     "Our contact details are as follows: Baumwall 7, 20459 Hamburg, Germany, Tel.: +49 40 419 131-0.", False),
    # an e-mail address is where to exercise a right; a legal form names another company
    (CONTACT.format(who="L. Wilson (US)", mail="privacy@yelp.ie"),
     CONTACT.format(who="L. Wilson (US)", mail="dpo@yelp.com"), True),
    ("Our EU representative is Valve GmbH, Hamburg (registered office: Stadthausbrücke 8, 20355 Hamburg).",
     "Our EU representative is Rivacy GmbH, Hamburg (registered office: Stadthausbrücke 8, 20355 Hamburg).", True),
    # names outside a company's details: no rule applies
    ("Requests are reviewed by Alice Martin within 30 days.",
     "Requests are reviewed by Bob Stone within 30 days.", True),
])
def test_contact_details(old: str, new: str, material: bool) -> None:
    """Classifier 1.5: only a postal address or a person's name in a company's contact or
    registration details changed (labellers e and g: not material; fixtures/field has the real
    Yelp and Xing passages)."""
    assert compare(old, new).material is material


def test_anchor_link_forms_read_alike() -> None:
    """An in-page anchor written with its spaces and in CommonMark's angle brackets is one link
    (eBay, 2026: the archive re-wrote the first as the second)."""
    from changes.text import to_display

    plain = "The [previous amendment](#Previous User Agreement) was effective on February 20, 2026."
    angle = "The [previous amendment](<#Previous User Agreement>) was effective on February 20, 2026."
    assert to_display(plain) == to_display(angle) == \
        "The previous amendment was effective on February 20, 2026."
    assert not compare(plain, angle).material


def test_mailto_left_in_link_text_by_broken_markup() -> None:
    """Grok (2025-11-25, a tuning pair): malformed markup around the DPO's address is fixed; the
    visible "(mailto:privacy@x.ai)" becomes "privacy@x.ai", the same address (classifier 1.6)."""
    old = "* You can contact our Data Protection Officer at (mailto:[privacy@x.ai](mailto:privacy@x.ai))."
    new = "* You can contact our Data Protection Officer at [privacy@x.ai](mailto:privacy@x.ai)."
    assert not compare(old, new).material
    assert compare(old, new.replace("privacy@x.ai", "dpo@x.ai")).material


def test_us_address_with_state_written_out_is_no_region() -> None:
    """Vimeo (2022): the notice address moved within New York, the state written out before its ZIP
    code; an address is not where a practice applies (classifier 1.5)."""
    old = "_Attention: Legal Department_  \n_555 West 18th Street_  \n_New York, New York 10011_"
    new = "_Attention: Legal Department_  \n_330 West 34th Street, 5th Floor_  \n_New York, New York 10001_"
    assert "regions" not in compare(old, new).labels
    assert compare("This applies to users.", "This applies to users in New York.").labels == ["regions"]


def test_dash_screen_reader_hint_in_link_text() -> None:
    """eBay (2023, 2026): a link's text gains " - opens in new window or tab", a screen reader's
    hint, with another target: the same text (labeller g's pairs: not material)."""
    old = ('To initiate Informal Dispute Resolution, you must give notice to eBay by submitting a Notice of '
           'Dispute ("Notice") via this [webform](http://legalhelpcenter.ebay.com/).')
    new = ('To initiate Informal Dispute Resolution, you must give notice to eBay by submitting a Notice of '
           'Dispute ("Notice") via this [webform - opens in new window or tab](https://www.ebay.com/legalhelpcenter)')
    assert not compare(old, new).material
    assert compare("See the [form](https://x.example/f).",
                   "See the [form](https://x.example/f). It opens in a new window only for members.").material


ZOOM_INTRO = ("Please read these terms of service carefully. This Agreement is between you and Zoom Video "
              "Communications, Inc. (“**Zoom**,” “**we**,” or “**us**”), unless you and Zoom have entered into a "
              "written agreement. Zoom may update it. Zoom will tell you when it does.")


@pytest.mark.parametrize("old,new", [
    # Zoom 2024-08-08 (shared set): the document's title added above its date, the date set in bold
    ("Effective Date: August 11, 2023\n\n" + ZOOM_INTRO,
     "ZOOM TERMS OF SERVICE\n=====================\n\n**Effective Date: August 11, 2023**\n\n" + ZOOM_INTRO),
    # Together AI 2026-03-02: a breadcrumb line and the full title
    ("Privacy\n\nThis policy explains what we collect.", "Legal\nPrivacy Policy\n\nThis policy explains what we collect."),
    # Lime 2024-01-11: the French title added
    ("À compter du : 1 mars 2021\n\nChez Lime, nous protégeons vos données.",
     "Avis de confidentialité\n\nÀ compter du : 1 mars 2021\n\nChez Lime, nous protégeons vos données."),
    # a German title reworded
    ("Datenschutzerklärung\n\nWir schützen Ihre Daten.", "Datenschutzhinweise\n\nWir schützen Ihre Daten."),
    # a breadcrumb of links over the title
    ("Privacy Policy\n\nWe protect your data.",
     "[Home](https://x.example/) > [Legal](https://x.example/legal) > Privacy Policy\n\nWe protect your data."),
])
def test_document_title_or_breadcrumb_is_formatting(old: str, new: str) -> None:
    """1.6: a change that only adds, removes or rewords the document's own title or a breadcrumb line."""
    result = compare(old, new)
    assert not result.material, [(h.kind, h.old, h.new, h.note) for h in result.changes]
    assert any(h.note == "document title or breadcrumb" for h in result.changes)


@pytest.mark.parametrize("old,new,labels", [
    # a title naming a region, a kind of user or another subject says what the document covers
    ("Privacy Notice\n\nThis notice explains what we collect.", "EEA Privacy Notice\n\nThis notice explains what we collect.",
     ["regions"]),
    ("Privacy Policy\n\nThis policy explains what we collect.",
     "Non-User Privacy Policy\n\nThis policy explains what we collect.", []),
    ("Privacy Policy\n\nThis policy explains what we collect.",
     "Privacy and Cookie Policy\n\nThis policy explains what we collect.", []),
    # a company's name in a contact line is no title ("Twitter International Unlimited Company" -> "X Internet
    # Unlimited Company", X 2025-04-17), however often the versions repeat it
    ("**Twitter International Unlimited Company**\n\n" + "Twitter International Unlimited Company is responsible. " * 5,
     "**X Internet Unlimited Company**\n\n" + "Twitter International Unlimited Company is responsible. " * 5, []),
    # a section heading losing a word is no title ("Warranties; Disclaimer" -> "Warranties", Le Chat)
    ("Warranties; Disclaimer\n\nWe give none.", "Warranties\n\nWe give none.", []),
])
def test_title_that_says_more_stays_material(old: str, new: str, labels: list[str]) -> None:
    result = compare(old, new)
    assert result.material and result.labels == labels, [(h.kind, h.old, h.new, h.note) for h in result.changes]


def test_version_widget_label_is_a_revision_date() -> None:
    """Lovable 2026-05-13: "Version:" filled in with the date and "(Latest)" by the page's widget."""
    result = compare("Version:\n\nWe protect your data.", "Version:April 14, 2026 (Latest)\n\nWe protect your data.")
    assert not result.material, [(h.kind, h.old, h.new, h.note) for h in result.changes]
