"""Fixtures for alert tests: an HTTP receiver, SMTP servers (plain+auth, STARTTLS), a clean config."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.alerts.receiver import Receiver
from tests.alerts.slack_api import SlackAPI
from tests.alerts.support import Mailbox, free_port

SMTP_USER, SMTP_PASSWORD = "watcher", "smtp-pa55-word"


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every alert test reads its own (initially absent) config file, never the developer's."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(path))
    monkeypatch.setenv("POLICYWATCH_BASE_URL", "http://pw.test")
    return path


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def slack_api() -> Iterator[SlackAPI]:
    api = SlackAPI()
    api.start()
    yield api
    api.stop()


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Mailbox]]:
    """A real aiosmtpd server on loopback that requires AUTH (over plain SMTP, for the test)."""
    box = Mailbox()
    ctl = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=_authenticate,
                     auth_require_tls=False, auth_required=True,
                     auth_exclude_mechanism=["LOGIN"])  # smtplib falls back to LOGIN, which hangs
    ctl.start()
    yield ctl, box
    ctl.stop()


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def smtp_tls(tmp_path: Path) -> Iterator[tuple[Controller, Mailbox, Path]]:
    """A real aiosmtpd server that requires STARTTLS (self-signed cert; CA file returned)."""
    cert, key = _self_signed(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    box = Mailbox()
    ctl = Controller(box, hostname="127.0.0.1", port=free_port(), tls_context=ctx,
                     require_starttls=True, authenticator=_authenticate, auth_required=True,
                     auth_exclude_mechanism=["LOGIN"])
    ctl.start()
    yield ctl, box, cert
    ctl.stop()
