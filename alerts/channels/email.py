"""Email: SMTP (STARTTLS, SSL or plain, optional auth), multipart plain text + HTML with a coloured diff.

The Message-ID is derived from the idempotency key, so a re-send after a crash carries the same
Message-ID and mail clients and list servers can drop it.
"""

from __future__ import annotations

import hashlib
import html
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, ClassVar

from alerts.channels.base import Channel
from alerts.channels.connect import PublicSMTP, PublicSMTPSSL
from alerts.config import EmailConfig, secret
from alerts.errors import scrub
from alerts.message import TEST_NOTE, Message, facts, headline, label_name, links, more_edits, place, quotes
from config.addresses import PrivateAddressError

log = logging.getLogger(__name__)
COLOURS = {"high": "#c62828", "medium": "#ef6c00", "low": "#1565c0", "none": "#616161"}
PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID for an idempotency key: ``<sha256(key)[:32]@sender-domain>``."""
    domain = sender.rpartition("@")[2].strip(">") or "policywatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}.policywatch@{domain}>"


QUOTE_STYLE = {"Removed": "background:#ffebe9;color:#82071e", "Added": "background:#dafbe1;color:#116329"}


def entry_html(p: dict[str, Any]) -> str:
    """One payload as HTML: headline, facts table, removed and added sentences per section, links."""
    e = html.escape
    colour = COLOURS.get(p.get("severity", "none"), COLOURS["none"])
    out = [f'<h2 style="font-family:sans-serif;font-size:18px;margin:16px 0 8px">'
           f'<span style="background:{colour};color:#fff;padding:2px 6px;border-radius:3px;'
           f'font-size:12px">{e(p.get("severity", "none").upper())}</span> {e(headline(p))}</h2>',
           '<table style="font-family:sans-serif;font-size:14px;border-collapse:collapse">']
    out += [f'<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">{e(k)}</th>'
            f"<td>{e(v)}</td></tr>" for k, v in facts(p)]
    out.append("</table>")
    for h in p.get("hunks", []):
        tag = f" — {e(', '.join(label_name(x) for x in h['labels']))}" if h.get("labels") else ""
        out.append(f'<p style="font-family:sans-serif;margin:10px 0 2px"><b>§ {e(place(h))}</b>{tag}</p>')
        out += [f'<p style="font-family:sans-serif;margin:2px 0;padding:4px;{QUOTE_STYLE[name.split(" (")[0]]}">'
                f"<b>{e(name)}:</b> {e(text)}</p>" for name, text in quotes(h)]
    if more_edits(p):
        out.append(f'<p style="font-family:sans-serif;color:#555">Also: {e(more_edits(p))}.</p>')
    out.append('<p style="font-family:sans-serif">' + " · ".join(
        f'<a href="{e(url, quote=True)}">{e(name)}</a>' for name, url in links(p)) + "</p>")
    return "\n".join(out)


def build_email(cfg: EmailConfig, message: Message) -> EmailMessage:
    """The MIME message: multipart/alternative, text first, HTML second."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = cfg.sender
    mail["To"] = ", ".join(cfg.to)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id(message.key, cfg.sender)
    mail["X-PolicyWatch-Delivery"] = message.key
    mail["X-PolicyWatch-Severity"] = message.severity
    mail.set_content(message.text())
    body = "\n<hr>\n".join(entry_html(p) for p in message.payloads)
    if message.test:
        body = f'<p style="font-family:sans-serif;font-weight:bold">{html.escape(TEST_NOTE)}</p>\n{body}'
    mail.add_alternative(f"<!DOCTYPE html><html><body>\n{body}\n</body></html>", subtype="html")
    return mail


class EmailChannel(Channel):
    """Sends each message as one email to the configured recipients."""

    kind: ClassVar[str] = "email"
    cfg: EmailConfig

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        port = cfg.port or PORTS[cfg.security]
        context = ssl.create_default_context(cafile=cfg.ca_file)
        if cfg.security == "ssl":
            return PublicSMTPSSL(cfg.host, port, timeout=cfg.timeout, context=context)
        smtp = PublicSMTP(cfg.host, port, timeout=cfg.timeout)
        if cfg.security == "starttls":
            smtp.starttls(context=context)
        return smtp

    def send(self, message: Message) -> str | None:
        """Deliver to every recipient the server accepts. Some refused: delivered, and the refusal is
        returned as a warning (a retry would send the accepted ones a second copy). All refused
        permanently (5xx): a non-retryable error."""
        cfg = self.cfg
        password = secret(cfg, "password", required=False)
        mail = build_email(cfg, message)
        try:
            with self._connect() as smtp:
                if cfg.username:
                    smtp.login(cfg.username, password or "")
                refused = smtp.send_message(mail)
        except PrivateAddressError as exc:
            raise self.error("refused", exc, transient=False) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise self.error("authentication failed", exc) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise self.error(f"every recipient refused: {refusals(exc.recipients)}",
                             transient=any(code < 500 for code, _ in exc.recipients.values())) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise self.error(f"delivery to {cfg.host} failed", exc) from None
        log.info("email delivered channel=%s key=%s to=%d", self.name, message.key,
                 len(cfg.to) - len(refused))
        if refused:
            return scrub(f"delivered to {len(cfg.to) - len(refused)} of {len(cfg.to)} recipients; "
                         f"refused, not retried: {refusals(refused)}", self.secrets())
        return None


def refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    """``typo@example.org (550 no such user), ...``"""
    return ", ".join(f"{addr} ({code} {reason.decode('utf-8', 'replace') if isinstance(reason, bytes) else reason})"
                     for addr, (code, reason) in sorted(refused.items()))
