"""The store records every check, and a body and a version only when the text changed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from store import Store
from store.models import Check, Snapshot, Version
from store.record import record_check, sync_documents, validators
from tests.builders import Fetch, Target

T0 = datetime(2024, 9, 19, 6, 0, tzinfo=timezone.utc)



def _counts(store: Store) -> tuple[int, int, int, int]:
    with store.session() as s:
        return (s.scalar(select(func.count()).select_from(Check)) or 0,
                s.scalar(select(func.count()).select_from(Snapshot)) or 0,
                s.scalar(select(func.count()).select_from(Version)) or 0,
                s.scalar(select(func.coalesce(func.sum(Snapshot.body_size), 0))) or 0)


def _record(store: Store, fetch: Fetch) -> str:
    with store.session() as s:
        doc = sync_documents(s, [Target()])["linkedin/privacy-policy"]
        return record_check(s, doc, fetch).check.outcome


def test_unchanged_check_adds_one_row_and_no_body(db_url: str) -> None:
    store = Store(db_url)
    page = b"<html><main><p>We use your data.</p></main></html>"
    assert _record(store, Fetch("fetched", "We use your data.", page, etag='"a"')) == "new_version"
    assert _counts(store) == (1, 1, 1, len(page))
    # the same text again, even from different markup: one check row, no body, no version
    again = Fetch("fetched", "We use your data.", page + b"<!-- id=123 -->",
                  started_at=T0 + timedelta(hours=6))
    assert _record(store, again) == "unchanged"
    assert _counts(store) == (2, 1, 1, len(page))
    assert _record(store, Fetch("not_modified", status=304, detail="HTTP 304 Not Modified",
                                started_at=T0 + timedelta(hours=12))) == "unchanged"
    assert _counts(store) == (3, 1, 1, len(page))
    with store.session() as s:  # the 304 row keeps its status, not a sentence saying it
        last = s.scalars(select(Check).order_by(Check.id.desc())).first()
        assert last is not None and (last.http_status, last.detail) == (304, "")


def test_not_modified_without_a_stored_version_is_structural(db_url: str) -> None:
    store = Store(db_url)
    assert _record(store, Fetch("not_modified")) == "structural"
    with store.session() as s:
        assert "no version is stored yet" in s.scalars(select(Check)).one().detail


def test_a_much_shorter_text_is_held_until_the_next_fetch_confirms_it(db_url: str) -> None:
    store = Store(db_url)
    hours = iter(range(100))

    def record(text: str, hold: float = 0.3) -> tuple[str, str]:
        with store.session() as s:
            doc = sync_documents(s, [Target()])["linkedin/privacy-policy"]
            fetch = Fetch("fetched", text, text.encode(), detail="HTTP 200 OK",
                          started_at=T0 + timedelta(hours=next(hours)))
            check = record_check(s, doc, fetch, hold).check
            return check.outcome, check.detail

    assert record("A" * 1000)[0] == "new_version"
    assert record("A" * 800)[0] == "new_version"  # lost 20 %: under the hold
    assert record("B" * 400) == ("structural", "text shrank from 800 to 400 characters; held for confirmation")
    assert record("C" * 400)[0] == "structural"  # another short text: not a confirmation
    assert _counts(store)[2] == 2
    assert record("C" * 400) == ("new_version", "HTTP 200 OK; text shrank from 800 to 400 characters, "
                                                "confirmed by a second fetch")
    assert record("D" * 100, hold=0)[0] == "new_version"  # 0: never held
    assert _counts(store)[2] == 4


def test_changed_text_makes_a_version_linked_to_the_previous(db_url: str) -> None:
    store = Store(db_url)
    _record(store, Fetch("fetched", "Old text.", b"<p>Old text.</p>"))
    _record(store, Fetch("fetched", "New text.", b"<p>New text.</p>",
                         started_at=T0 + timedelta(days=1)))
    with store.session() as s:
        first, second = s.scalars(select(Version).order_by(Version.id)).all()
        assert second.previous_id == first.id
        assert second.fetched_at == T0 + timedelta(days=1)
        assert second.snapshot_id is not None and not second.technical


@pytest.mark.parametrize("outcome", ["blocked", "transient", "structural", "robots_disallowed"])
def test_failures_are_checks_without_versions(db_url: str, outcome: str) -> None:
    store = Store(db_url)
    assert _record(store, Fetch(outcome, status=999, detail="HTTP 999")) == outcome
    assert _counts(store) == (1, 0, 0, 0)


def test_fetched_without_text_is_structural(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    assert _record(store, Fetch("fetched", "", b"<html></html>")) == "structural"
    assert _counts(store)[2] == 0


def test_validators_come_from_the_last_successful_check(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    _record(store, Fetch("fetched", "A.", b"A", etag='"v1"', last_modified="Mon, 01 Jan 2024"))
    _record(store, Fetch("transient", started_at=T0 + timedelta(hours=1)))
    with store.session() as s:
        assert validators(s) == {"linkedin/privacy-policy": ('"v1"', "Mon, 01 Jan 2024")}


def test_a_304_that_confirms_its_validators_stores_none_and_they_still_hold(db_url: str) -> None:
    """A 304 answering the validators it was sent stores no ETag or date (issue 13's bytes per
    unchanged check); the next conditional request still sends them, a 304 with a new ETag
    stores and sends the new one, and a 200 without validators ends them."""
    store = Store(db_url)
    v1 = ('"v1"', "Mon, 01 Jan 2024")
    sent = dict(etag=v1[0], last_modified=v1[1], validators_sent=v1, status=304)

    def stored() -> tuple[str | None, str | None]:
        with store.session() as s:
            last = s.scalars(select(Check).order_by(Check.id.desc())).first()
            assert last is not None
            return last.etag, last.last_modified

    def known() -> tuple[str | None, str | None] | None:
        with store.session() as s:
            return validators(s).get("linkedin/privacy-policy")

    _record(store, Fetch("fetched", "A.", b"A", etag=v1[0], last_modified=v1[1]))
    for hours in (1, 2):
        assert _record(store, Fetch("not_modified", started_at=T0 + timedelta(hours=hours), **sent)) == "unchanged"
        assert stored() == (None, None)
        assert known() == v1
    v2 = dict(sent, etag='"v2"')
    _record(store, Fetch("not_modified", started_at=T0 + timedelta(hours=3), **v2))
    assert stored() == ('"v2"', v1[1]) and known() == ('"v2"', v1[1])
    _record(store, Fetch("not_modified", started_at=T0 + timedelta(hours=4),
                         **dict(v2, validators_sent=('"v2"', v1[1]))))
    assert stored() == (None, None) and known() == ('"v2"', v1[1])
    _record(store, Fetch("fetched", "B.", b"B", started_at=T0 + timedelta(hours=5)))
    assert known() is None


def test_summarised_unchanged_checks_add_no_row(db_url: str) -> None:
    store = Store(db_url)
    text = "We use your data."
    page = b"<html><main><p>We use your data.</p></main></html>"

    def record(fetch: Fetch) -> str:
        with store.session() as s:
            doc = sync_documents(s, [Target()])["linkedin/privacy-policy"]
            return record_check(s, doc, fetch, summarise=True).check.outcome

    assert record(Fetch("fetched", text, page, etag='"a"')) == "new_version"
    assert record(Fetch("not_modified", started_at=T0 + timedelta(hours=6), etag='"b"')) == "unchanged"
    for hours in (12, 18):  # these confirm '"b"': the summary row keeps it
        assert record(Fetch("not_modified", started_at=T0 + timedelta(hours=hours), status=304,
                            etag='"b"', validators_sent=('"b"', None))) == "unchanged"
    with store.session() as s:
        assert validators(s) == {"linkedin/privacy-policy": ('"b"', None)}
    assert _counts(store)[:3] == (2, 1, 1)  # the version's check, and one row for three unchanged
    with store.session() as s:
        last = s.scalars(select(Check).order_by(Check.id.desc())).first()
        assert last is not None and last.repeats == 3
        assert last.first_started_at == T0 + timedelta(hours=6) and last.started_at == T0 + timedelta(hours=18)
    assert record(Fetch("transient", started_at=T0 + timedelta(hours=24))) == "transient"
    assert record(Fetch("not_modified", started_at=T0 + timedelta(hours=30), etag='"a"')) == "unchanged"
    assert _counts(store)[0] == 4  # a failure breaks the run: a new row after it


def test_one_check_per_round_and_no_round_key_entry_for_other_checks(db_url: str) -> None:
    """A second check of a document in one shared-frontier round is refused; checks outside rounds
    (round_key NULL) are any number and take no entry of the round index (it is partial)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    store = Store(db_url)
    for hours in range(3):  # outside rounds: no limit
        with store.session() as s:
            doc = sync_documents(s, [Target()])["linkedin/privacy-policy"]
            record_check(s, doc, Fetch("transient", started_at=T0 + timedelta(hours=hours)))
    with store.session() as s:
        doc = sync_documents(s, [Target()])["linkedin/privacy-policy"]
        record_check(s, doc, Fetch("transient", started_at=T0 + timedelta(hours=5)), round_key="r1")
    with pytest.raises(IntegrityError), store.session() as s:
        doc = sync_documents(s, [Target()])["linkedin/privacy-policy"]
        record_check(s, doc, Fetch("transient", started_at=T0 + timedelta(hours=6)), round_key="r1")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Check)) == 4
    with store.engine.connect() as conn:
        (index,) = [i for i in inspect(conn).get_indexes("checks") if i["name"] == "uq_checks_document_round"]
        where = index.get("dialect_options", {})
        assert index["unique"] and "round_key IS NOT NULL" in str(
            where.get("sqlite_where", where.get("postgresql_where", ""))), index
    store.dispose()
