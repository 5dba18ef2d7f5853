"""ingest.Recorder in batches: one transaction per batch, classification in the CPU worker pool,
nothing lost to one bad fetch, at most one check of a document per frontier round."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from ingest import Recorder
from store import Store
from store.models import Alert, Change, Check, Incident, Version
from tests.builders import Fetch, Target, corpus_versions, fetched

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
A = Target()
B = Target(id="linkedin/user-agreement", name="User Agreement", url="https://example.org/ua")


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_batch_is_recorded_at_flush_with_its_changes_classified(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POLICYWATCH_CPU_WORKERS", "2")  # the real process pool
    old, new = (v.text() for v in corpus_versions("contrib", "privacy-policy")[-2:])
    store = Store(db_url)
    lines: list[object] = []
    recorder = Recorder(store, [A, B], batched=True, on_line=lines.append)
    for target in (A, B):
        recorder(fetched(target, T0, old))
    assert _count(store, Check) == 0 and lines == []  # kept until the flush
    recorder.flush()
    assert _count(store, Check) == 2 and len(lines) == 2
    for target in (A, B):
        recorder(fetched(target, T0 + timedelta(hours=1), new))
    recorder.flush()
    assert _count(store, Version) == 4
    with store.session() as s:
        changes = list(s.scalars(select(Change)))
    assert len(changes) == 2 and all(c.result.get("units") is not None or c.result for c in changes)
    assert [ln.outcome for ln in recorder.lines] == ["new_version"] * 4  # type: ignore[attr-defined]


def test_one_bad_fetch_loses_no_other_in_its_batch(db_url: str) -> None:
    store = Store(db_url)
    recorder = Recorder(store, [A, B], batched=True)
    recorder(fetched(A, T0, "We use your data for ads. " * 80))
    recorder(fetched(Target(id="not/declared"), T0, "x" * 2000))  # no such document
    recorder.flush()
    assert [ln.slug for ln in recorder.lines] == [A.id]
    assert _count(store, Check) == 1


def test_a_document_is_checked_once_per_round_whoever_records_it(db_url: str) -> None:
    store = Store(db_url)
    text = "We use your data for ads. " * 80
    first, second = Recorder(store, [A], batched=True), Recorder(store, [A], batched=True)
    for recorder in (first, second):  # two workers that took the same entry
        recorder.rounds = {A.id: "round-1"}
        recorder(fetched(A, T0, text))
        recorder.flush()
    assert _count(store, Check) == 1 and _count(store, Version) == 1
    second.rounds = {A.id: "round-2"}
    second(fetched(A, T0 + timedelta(hours=1), text))
    second.flush()
    assert _count(store, Check) == 2


def test_documents_another_process_adds_at_the_same_moment_are_read_not_fatal(db_url: str) -> None:
    """Two workers starting on a fresh database both add the declared documents: the second
    insert waits for the first transaction, then violates the unique slug. The recorder reads the
    other's rows instead of failing."""
    import threading
    import time

    import pytest

    from store.record import sync_documents

    if db_url.startswith("sqlite"):
        pytest.skip("needs a server where a second insert of a key waits for the first to commit")
    store, other = Store(db_url), Store(db_url)
    made: list[Recorder] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            made.append(Recorder(store, [A, B]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    worker = threading.Thread(target=start)
    with other.session() as s:
        sync_documents(s, [A, B])  # added, not committed yet
        worker.start()
        time.sleep(1.0)
        assert worker.is_alive()  # its insert waits on ours
    worker.join(60)
    assert not errors and made
    with store.session() as s:
        assert made[0]._doc_ids == {d.slug: d.id for d in sync_documents(s, [A, B]).values()}


def _recorded(store: Store) -> list[tuple[object, ...]]:
    """What the store holds, without ids and times of recording."""
    with store.session() as s:
        checks = [(c.document_id, c.outcome, c.detail, c.http_status, c.body_sha256, c.text_sha256,
                   c.version_id) for c in s.scalars(select(Check).order_by(Check.id))]
        versions = [(v.document_id, v.previous_id, v.text_sha256, v.snapshot_id)
                    for v in s.scalars(select(Version).order_by(Version.id))]
        incidents = [(i.document_id, i.outcome, i.failures, i.closed_at is None)
                     for i in s.scalars(select(Incident).order_by(Incident.id))]
        alerts = [(a.kind, a.document_id) for a in s.scalars(select(Alert).order_by(Alert.id))]
    return checks + versions + incidents + alerts


def _blocked(target: Target, when: datetime) -> Fetch:
    return Fetch("blocked", status=999, detail="HTTP 999", target_id=target.id, url=target.url,
                 started_at=when)


def test_a_batch_records_what_one_fetch_at_a_time_records(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A batch locks its documents and reads their newest versions in one query each: the rows
    are those of recording its fetches one by one (a 304, the same text, a new text, a text held
    for shrinking, a first version; versions fetched at the same moment, told apart by id; an
    open incident closed, one opened, one kept open)."""
    targets = [Target(id=f"doc/{i}", name=f"Doc {i}", url=f"https://example.org/{i}") for i in range(8)]
    long, other = "We use your data for ads. " * 80, "We use your data for research. " * 80
    history = [(T0, long), (T0, other)]  # same fetched_at: the newer id is the newest version
    batch = [
        Fetch("not_modified", status=304, target_id=targets[0].id, url=targets[0].url,
              started_at=T0 + timedelta(hours=1)),
        fetched(targets[1], T0 + timedelta(hours=1), other),
        fetched(targets[2], T0 + timedelta(hours=1), long),
        fetched(targets[3], T0 + timedelta(hours=1), "We use your data. " * 30),  # held: shrank
        fetched(targets[4], T0 + timedelta(hours=1), long),  # no history: a first version
        fetched(targets[5], T0 + timedelta(hours=1), long),  # closes its incident
        _blocked(targets[6], T0 + timedelta(hours=1)),  # its third failure: opens one
        _blocked(targets[7], T0 + timedelta(hours=1)),  # its incident stays open
    ]
    results = []
    for i, url in enumerate([db_url, f"sqlite:///{tmp_path / 'one-by-one.db'}"]):
        store = Store(url)
        single = Recorder(store, targets, shrink_hold=0.5)
        for target in targets[:4]:
            for when, text in history:
                single(fetched(target, when, text))
        for target in targets[5:]:
            single(fetched(target, T0, long))
            for k in range(2 if target is targets[6] else 3):
                single(_blocked(target, T0 + timedelta(minutes=k + 1)))
        recorder = Recorder(store, targets, shrink_hold=0.5, batched=i == 0)
        for fetch in (reversed(batch) if i == 0 else batch):  # a batch is recorded in document order
            recorder(fetch)
        recorder.flush()
        assert [ln.outcome for ln in sorted(recorder.lines, key=lambda ln: ln.slug)] == [
            "unchanged", "unchanged", "new_version", "structural", "new_version", "unchanged",
            "blocked", "blocked"]
        results.append(_recorded(store))
        store.dispose()
    assert results[0] == results[1]
