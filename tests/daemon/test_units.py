"""Schedules, log lines and locks, without a daemon."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from daemon.locks import LockHeld, holder, lock_for
from daemon.logs import JsonFormatter, fields
from daemon.schedules import ScheduleConfig, ScheduleError, cron_weekdays, period, trigger
from store import Store

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(("expr", "seconds"), [
    ("2s", 2), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("1w", 604800),
    ("0 */6 * * *", 21600), ("15 3 * * *", 86400), ("0 9 * * 1", 604800),
])
def test_schedule_periods(expr: str, seconds: float) -> None:
    assert period(trigger(expr), NOW) == seconds


@pytest.mark.parametrize(("field", "names"), [
    ("*", "*"), ("mon-fri", "mon-fri"), ("0", "sun"), ("7", "sun"), ("1-5", "mon,tue,wed,thu,fri"),
    ("0,6", "sun,sat"), ("*/2", "sun,tue,thu,sat"), ("5-7", "fri,sat,sun"),
])
def test_cron_weekdays_follow_crontab(field: str, names: str) -> None:
    assert cron_weekdays(field) == names


def test_cron_sunday_is_sunday() -> None:
    fire = trigger("0 9 * * 0").get_next_fire_time(None, NOW)
    assert fire is not None and fire.strftime("%a %H:%M") == "Sun 09:00"


def test_jitter_is_capped_at_a_tenth_of_the_period() -> None:
    assert trigger("2s", jitter=300).jitter is None
    assert trigger("6h", jitter=300).jitter == 300
    assert trigger("1h", jitter=3600).jitter == 360


@pytest.mark.parametrize("bad", ["6x", "every day", "* * *", "61 * * * *"])
def test_bad_schedules_are_refused(bad: str) -> None:
    with pytest.raises(ScheduleError):
        trigger(bad)


def test_schedule_config() -> None:
    assert ScheduleConfig.from_table(None).default == "6h"
    assert ScheduleConfig.from_table({"default": "12h", "jitter": 60}).jitter == 60.0
    with pytest.raises(ScheduleError, match="unknown key"):
        ScheduleConfig.from_table({"defualt": "6h"})
    with pytest.raises(ScheduleError):
        ScheduleConfig.from_table({"default": "sometimes"})


def test_log_fields_and_json_lines() -> None:
    msg = "check document=linkedin/privacy-policy outcome=blocked duration_ms=41 detail='HTTP 999 x'"
    assert fields(msg) == {"document": "linkedin/privacy-policy", "outcome": "blocked",
                           "duration_ms": 41, "detail": "HTTP 999 x"}
    record = logging.LogRecord("ingest", logging.INFO, __file__, 1,
                               "check document=%s outcome=%s duration_ms=%d", ("a/b", "unchanged", 7),
                               None)
    line = json.loads(JsonFormatter().format(record))
    assert line["document"] == "a/b" and line["duration_ms"] == 7 and line["level"] == "INFO"
    assert line["message"] == "check document=a/b outcome=unchanged duration_ms=7"


def test_locks_exclude_other_holders(db_url: str) -> None:
    store = Store(db_url)
    first = lock_for(store.engine, "daemon", "policywatch run")
    first.acquire()
    try:
        second = lock_for(store.engine, "daemon", "policywatch run")
        with pytest.raises(LockHeld, match="policywatch run"):
            second.acquire()
        assert holder(store.engine, "daemon") is not None
        assert holder(store.engine, "crawl") is None  # another name, another lock
        assert first.alive()
    finally:
        first.release()
    assert holder(store.engine, "daemon") is None
    again = lock_for(store.engine, "daemon")
    again.acquire()
    again.release()
    store.dispose()


def _after_catch_up(trig, missed_from: datetime, now: datetime) -> tuple[list[datetime], datetime]:
    """What APScheduler 3 does with a coalescing job found late: its run times, its next run."""
    runs, nxt = [], missed_from
    while nxt is not None and nxt <= now:
        runs.append(nxt)
        nxt = trig.get_next_fire_time(nxt, now)
    return runs, trig.get_next_fire_time(runs[-1], now)


@pytest.mark.parametrize(("expr", "late_by", "gap"), [
    ("1m", timedelta(minutes=5, seconds=55), 60), ("6h", timedelta(hours=29, minutes=50), 6 * 3600),
    ("*/10 * * * *", timedelta(minutes=29, seconds=50), 600),
])
def test_a_catch_up_is_not_followed_by_another_run_seconds_later(
        expr: str, late_by: timedelta, gap: float) -> None:
    missed_from = trigger(expr).get_next_fire_time(None, NOW)
    now = missed_from + late_by  # the old grid's next point is 5-10 s away
    runs, nxt = _after_catch_up(trigger(expr), missed_from, now)
    assert len(runs) > 1  # several runs were missed: coalesced into one
    assert (nxt - now).total_seconds() >= gap / 2


@pytest.mark.parametrize("expr", ["2s", "1m", "6h", "*/10 * * * *"])
def test_on_time_runs_keep_their_schedule(expr: str) -> None:
    trig = trigger(expr)
    fire = trig.get_next_fire_time(None, NOW)
    nxt = trig.get_next_fire_time(fire, fire + timedelta(milliseconds=20))
    assert (nxt - fire).total_seconds() == period(trig, NOW)


def test_schedules_survive_the_job_store() -> None:
    import pickle

    for expr in ("6h", "0 */6 * * *"):
        trig = trigger(expr, jitter=60)
        again = pickle.loads(pickle.dumps(trig))
        assert type(again) is type(trig) and str(again) == str(trig)


def test_an_outage_is_logged_as_state_changes(caplog: pytest.LogCaptureFixture) -> None:
    from sqlalchemy.exc import OperationalError

    from daemon.outage import Outage, is_unreachable

    now = [0.0]
    outage = Outage(remind_every=300, clock=lambda: now[0])
    recovered: list[bool] = []
    outage.on_recovery.append(lambda: recovered.append(True))
    exc = OperationalError("SELECT 1", {}, Exception("connection refused\nmore detail"))
    assert is_unreachable(exc) and not is_unreachable(ValueError("x"))
    with caplog.at_level(logging.INFO, logger="policywatch.daemon"):
        for second in range(0, 700, 5):  # a retry every 5 s for 11 minutes
            now[0] = float(second)
            outage.failed("heartbeat", exc)
        outage.ok()
        outage.ok()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 4, messages
    assert messages[0].startswith("database unreachable (heartbeat): connection refused;")
    assert messages[1:3] == ["database still unreachable after 5m00s: connection refused",
                             "database still unreachable after 10m00s: connection refused"]
    assert messages[3] == "database reachable again after 11m35s"
    assert recovered == [True] and not outage.down


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_lock_takes_back_what_its_lost_session_still_holds(db_url: str) -> None:
    from tests.tcprelay import TcpRelay

    with TcpRelay(5432) as relay:
        store = Store(db_url.replace(":5432/", f":{relay.port}/"), migrate=False)
        lock = lock_for(store.engine, "daemon", "policywatch run")
        lock.acquire()
        relay.cut(keep_upstream=True)  # the network fails; the server keeps the session
        assert not lock.alive()
        relay.restore()
        assert holder(Store(db_url, migrate=False).engine, "daemon") is not None  # still held
        lock.acquire()  # ends its own old session on the server, then takes the lock
        assert lock.alive()
        other = lock_for(Store(db_url, migrate=False).engine, "daemon", "policywatch run")
        with pytest.raises(LockHeld):
            other.acquire()
        lock.release()
        store.dispose()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_lock_released_on_a_lost_connection_is_taken_back(db_url: str) -> None:
    """The crawl lock is released at the end of a round; if the network failed during the round,
    the release cannot reach the server, whose session still holds the lock: the next acquire
    must end that session, not report the lock held by ourselves forever."""
    from tests.tcprelay import TcpRelay

    with TcpRelay(5432) as relay:
        store = Store(db_url.replace(":5432/", f":{relay.port}/"), migrate=False)
        lock = lock_for(store.engine, "crawl", "policywatch run")
        lock.acquire()
        relay.cut(keep_upstream=True)  # the network fails; the server keeps the session
        lock.release()  # cannot reach the server
        relay.restore()
        assert holder(Store(db_url, migrate=False).engine, "crawl") is not None  # still held
        lock.acquire()
        assert lock.alive()
        lock.release()
        assert holder(Store(db_url, migrate=False).engine, "crawl") is None
        store.dispose()
