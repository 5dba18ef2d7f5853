"""Fixtures for the web tests: a store built from the real corpus through the real pipeline.

``corpus_url`` is one SQLite database per test session (the web UI only reads, so tests share
it): all 28 recorded LinkedIn privacy-policy versions, the XSS fixture as a document of its own,
a document whose slug holds '@', and a few alert and incident rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from store import Store
from store.models import Alert, Document, Incident
from tests.builders import Target, corpus_versions, replay
from tests.conftest import FIXTURES

SLUG = "linkedin/privacy-policy"
XSS = Target(id="example/xss-policy", platform="example", name="XSS <b>Policy</b>",
             url="https://example.com/privacy?a=1&b=<x>")
EU = Target(id="linkedin/privacy-policy@eu", region="eu")
HI = Target(id="linkedin/privacy-policy@hi", language="hi",
            url="https://www.linkedin.com/legal/privacy-policy?_l=hi_IN")
HINDI = ("# गोपनीयता नीति\n\n_प्रभावी: 3 नवंबर 2025_\n\n## 1. हम कौन सा डेटा एकत्र करते हैं\n\n"
         "हम वह डेटा एकत्र करते हैं जो आप हमें देते हैं।{}\n")
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


def linkedin_steps(days: tuple[str, ...] | None = None) -> list[tuple[datetime, str]]:
    """(time, text) of the recorded LinkedIn versions, all or those recorded on ``days``."""
    return [(r.when, r.text()) for r in corpus_versions("contrib", "privacy-policy")
            if days is None or r.name in days]


def xss_steps() -> list[tuple[datetime, str]]:
    return [(T0 + timedelta(days=i), (FIXTURES / "xss" / f"policy-v{i + 1}.md").read_text("utf-8"))
            for i in range(2)]


def build_corpus(url: str) -> None:
    """Fill an empty database with the corpus history, the XSS document and log rows."""
    store = Store(url)
    replay(store, Target(), linkedin_steps())
    replay(store, XSS, xss_steps())
    replay(store, EU, linkedin_steps(("2024-08-01", "2024-09-19")))
    with store.session() as s:
        doc = s.query(Document).filter_by(slug=SLUG).one()
        s.add_all([
            Alert(dedup_key="test-1", channel="email:privacy-team", kind="change",
                  document_id=doc.id, severity="high", status="sent", attempts=1,
                  created_at=T0, sent_at=T0 + timedelta(seconds=5)),
            Alert(dedup_key="test-2", channel="slack:#policy", kind="change",
                  document_id=doc.id, severity="high", status="dead", attempts=5,
                  last_error="<script>alert('err')</script> 500 from Slack", created_at=T0),
            Incident(document_id=doc.id, opened_at=T0, outcome="blocked",
                     cause="HTTP 999 <i>blocked</i>", failures=3),
        ])
    store.dispose()


@pytest.fixture(scope="session")
def corpus_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'corpus.db'}"
    build_corpus(url)
    return url


@pytest.fixture(scope="session")
def editions_url(corpus_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The corpus plus a Hindi edition of the privacy policy: a document with the same title."""
    import shutil

    path = tmp_path_factory.mktemp("editions") / "editions.db"
    shutil.copy(corpus_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    store = Store(url)
    replay(store, HI, [(T0, HINDI.format("")),
                       (T0 + timedelta(days=30), HINDI.format(" हम आपके संपर्कों का डेटा भी एकत्र करते हैं।"))])
    store.dispose()
    return url


@pytest.fixture(scope="session")
def corpus_store(corpus_url: str) -> Iterator[Store]:
    store = Store(corpus_url)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def app(corpus_store: Store) -> Flask:
    from web.app import create_app

    return create_app(corpus_store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def version_id(store: Store, slug: str, day: str) -> int:
    """The id of the version of ``slug`` recorded on ``day`` (YYYY-MM-DD)."""
    from sqlalchemy import select

    from store.models import Version

    with store.session() as s:
        for vid, at in s.execute(select(Version.id, Version.fetched_at).join(Document)
                                 .where(Document.slug == slug)):
            if at.strftime("%Y-%m-%d") == day:
                return int(vid)
    raise LookupError(f"no version of {slug} on {day}")


def output_dir(request: pytest.FixtureRequest, tmp_path: Path) -> list[Path]:
    """Where a test writes artefacts: its tmp folder and test-output/<test name> at the root."""
    root = Path(__file__).resolve().parents[2] / "test-output" / request.node.name
    root.mkdir(parents=True, exist_ok=True)
    return [tmp_path, root]


def serve_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without PolicyWatch settings and with no config file, plus ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYWATCH_")}
    return {**clean, "POLICYWATCH_CONFIG": os.devnull, **(env or {})}


@contextmanager
def serving(url: str, *args: str, env: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> Iterator[str]:
    """`policywatch serve` as a real subprocess on a free loopback port over the database `url`
    (extra CLI ``args`` and environment ``env``); yields its base URL once it answers ``/``
    (with ``headers``, e.g. a token)."""
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--db", url,
                             "--host", "127.0.0.1", "--port", "0", *args], cwd=ROOT,
                            env=serve_env(env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()    # printed once the socket listens
        if not line.startswith("Serving on "):
            proc.kill()
            pytest.fail(f"serve did not start: {line!r} {proc.stderr.read()}")
        base = line.split()[2].rstrip("/")
        request = urllib.request.Request(base + "/", headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as resp:   # it answers
            assert resp.status == 200
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
