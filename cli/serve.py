"""`policywatch serve`: the read-only web UI, feeds and JSON API under waitress.

Binds 127.0.0.1 by default. Any other address needs a token (``--token`` or env
POLICYWATCH_TOKEN), unless ``--insecure-no-token`` says otherwise. It answers only to the
allowed host names (``--allowed-hosts``; default: the bound address and the loopback names).
``--port 0`` picks a free port; the first line on stdout is always ``Serving on http://HOST:PORT/``.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Any

import click

import config

from cli.common import db_option, handle_errors, load_targets, open_store, targets_option


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to bind (0: any free port).")
@click.option("--token", default=None, metavar="TOKEN",
              help="Require this token (16+ characters, no whitespace) on every request "
                   "[setting token, env POLICYWATCH_TOKEN].")
@click.option("--insecure-no-token", is_flag=True,
              help="Allow a non-loopback address without a token (prints a warning).")
@click.option("--allowed-hosts", default=None, metavar="LIST",
              help="Host names to answer to, comma-separated (any other Host gets 400); default: "
                   "the bound address, localhost, 127.0.0.1, [::1] and the host of base_url when "
                   "it is set [setting allowed_hosts, env POLICYWATCH_ALLOWED_HOSTS].")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads.")
@db_option
@targets_option
@handle_errors
def serve(host: str, port: int, token: str | None, insecure_no_token: bool,
          allowed_hosts: str | None, threads: int, db: str | None, targets: Path | None) -> None:
    """Serve the web UI, Atom feeds and JSON API (read-only) on HOST:PORT."""
    import waitress

    from web.app import create_app
    from web.auth import TokenError, checked
    from web.hosts import default_hosts

    try:
        token = checked(token or config.get("token"))
    except TokenError as exc:
        raise click.UsageError(str(exc)) from exc
    if not is_loopback(host) and token is None:
        if not insecure_no_token:
            raise click.UsageError(
                f"refusing to serve on non-loopback address {host} without a token: "
                "pass --token TOKEN (or set POLICYWATCH_TOKEN), or --insecure-no-token")
        click.echo(f"warning: serving on {host} without a token (--insecure-no-token): "
                   "anyone who can reach this address can read everything", err=True)
    public_url = config.configured("base_url")
    listed = allowed_hosts or config.get("allowed_hosts")
    names = ([h.strip() for h in listed.split(",") if h.strip()] if listed
             else default_hosts(host, public_url))
    store = open_store(db, read_only=True)
    app = create_app(store, token=token, fetching=_fetching(targets), allowed_hosts=names,
                     public_url=public_url)
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    ident="policywatch", clear_untrusted_proxy_headers=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving on http://{shown}:{server.effective_port}/ (database {store.safe_url})")
    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        store.dispose()


def _fetching(path: Path | None) -> dict[str, dict[str, Any]]:
    """How each declared document is fetched, for its page; none when the declarations are
    invalid (browsing what is stored must not depend on them)."""
    from crawler.egress import where_from
    from crawler.targets import DeclarationError

    try:
        declared = load_targets(path)
    except DeclarationError as exc:
        click.echo(f"warning: declarations not shown: {exc}", err=True)
        return {}
    return {t.id: {"robots": t.robots, "robots_reason": t.robots_reason, "region": where_from(t)}
            for t in declared}


COMMANDS = [serve]

