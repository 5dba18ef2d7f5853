"""Labels come from the change (its words and a small window), not from the rest of its sentence."""

from __future__ import annotations

from changes import compare


def test_edit_elsewhere_in_a_region_and_choice_sentence_gets_neither_label() -> None:
    r = compare("Customers in the EU can opt out in Settings, and support replies within 30 days.",
                "Customers in the EU can opt out in Settings, and support replies within 14 days.")
    assert r.material and r.labels == []


def test_typo_in_such_a_sentence_is_not_material() -> None:
    r = compare("Customers in the EU can opt out in Settings at any tme.",
                "Customers in the EU can opt out in Settings at any time.")
    assert not r.material and r.labels == []


def test_region_added_is_regions() -> None:
    assert "regions" in compare("Customers can opt out in Settings.",
                                "Customers in the EU can opt out in Settings.").labels


def test_opt_out_added_is_opt_out() -> None:
    r = compare("You can manage your data.", "You can manage your data, and you can opt out at any time.")
    assert r.labels == ["opt_out"]


def test_address_naming_a_country_is_not_regions() -> None:
    r = compare("Write to Example Ltd, 1 Main Street, Dublin 2, Ireland, if you live outside the United States.",
                "Write to Example Ltd, 5 Harbour Road, Dublin 4, Ireland, if you live outside the United States.")
    assert r.material and r.labels == []


def test_business_parties_consents_are_not_opt_out() -> None:
    r = compare("Customer will obtain all rights and consents needed.",
                "Customer will obtain all rights, licences and consents needed for its Affiliates.")
    assert r.labels == []


def test_negation_of_one_clause_does_not_hide_training_added_in_another() -> None:
    r = compare("We retain prompts for 28 days.",
                "We do not retain prompts for Business users; for Free users we may use prompts to train our models.")
    assert r.labels == ["ai_training"] and r.severity == "high"


def test_choice_limited_to_some_jurisdictions_is_regions_and_opt_out() -> None:
    r = compare("If you visit our site with Global Privacy Control enabled, we treat it as an opt-out request.",
                "In certain states, if you visit our site with Global Privacy Control enabled, we treat it as an "
                "opt-out request.")
    assert r.labels == ["opt_out", "regions"]


def test_partial_scope_without_a_choice_is_regions_only() -> None:
    r = compare("We keep server logs for 90 days.", "In some countries, we keep server logs for 90 days.")
    assert r.labels == ["regions"]


def test_edit_before_an_unless_clause_leaves_its_choice_alone() -> None:
    r = compare("We use ratings to rank, unless you opt out.", "We use ratings to sort, unless you opt out.")
    assert r.material and r.labels == []


def test_a_scope_clause_naming_buyers_or_passengers_governs_its_clause() -> None:
    """Etsy (2023, a tuning pair): what the EU right of withdrawal allows changes ("for any or no
    reason"); the clause's scope names buyers, not users (classifier 1.6)."""
    old = ("Buyers in the European Union (EU) may be entitled to a 14-day right of withdrawal after "
           "receiving an item, during which they may return an item.")
    new = ("Buyers in the European Union (EU) may be entitled to a 14-day right of withdrawal after "
           "receiving an item, during which they may return an item for any or no reason.")
    assert "regions" in compare(old, new).labels
    assert "regions" in compare(old.replace("Buyers", "Passengers"), new.replace("Buyers", "Passengers")).labels
    assert "regions" not in compare(old.replace("Buyers in the European Union (EU)", "Buyers"),
                                    new.replace("Buyers in the European Union (EU)", "Buyers")).labels


def test_a_control_offered_to_the_user_is_opt_out() -> None:
    """Google (2026, shared set): a new subsetting "lets you control whether" some activity is saved:
    a choice and how it works (classifier 1.6)."""
    old = "Web & App Activity saves your activity on Google sites and apps."
    new = (old + " Web & App Activity also has a subsetting that lets you control whether some information "
           "about your activity on other sites and apps is saved.")
    assert "opt_out" in compare(old, new).labels
    assert "opt_out" not in compare(old, old + " Web & App Activity also saves some information.").labels


def test_a_rename_that_changes_the_article_is_still_a_rename() -> None:
    """ChatGPT (2025, a tuning pair): "Connectors" become "Apps", and "a Connector" "an App", beside
    "you can control whether": a rename changes no choice (classifier 1.6)."""
    old = ("You are solely responsible for the actions you take using Connectors or adding custom Connectors, "
           "and you can control whether a Connector is enabled in your workspace.")
    new = ("You are solely responsible for the actions you take using Apps or adding custom Apps, "
           "and you can control whether an App is enabled in your workspace.")
    assert "opt_out" not in compare(old, new).labels
