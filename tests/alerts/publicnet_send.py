"""Run inside tests.namespaces.run_python's namespace: a webhook and a Slack channel post to a public host that
answers 200 on /ok and redirects /hook to a receiver on loopback; print what happened as JSON.

Usage: python -m tests.alerts.publicnet_send
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alerts.channels import build
from alerts.config import load
from alerts.errors import ChannelError
from alerts.message import Message
from tests.alerts.receiver import Receiver
from tests.alerts.support import payload


def redirector(inner: str) -> ThreadingHTTPServer:
    """POST /ok answers 200; POST /hook answers 302 to ``inner``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet."""

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200 if self.path == "/ok" else 302)
            self.send_header("Location", inner)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("0.0.0.0", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def outcome(channel: Any, message: Message) -> dict[str, Any]:
    try:
        channel.send(message)
    except ChannelError as exc:
        return {"sent": False, "error": str(exc), "transient": exc.transient}
    return {"sent": True}


def main() -> None:
    os.environ["POLICYWATCH_ALLOW_PRIVATE_TARGETS"] = "0"
    receiver = Receiver().start()
    server = redirector(receiver.url("/inner"))
    public = f"http://public.test:{server.server_address[1]}"
    cfgs = {"hook": {"kind": "webhook", "url": f"{public}/hook", "secret": "s3cr3t-value"},
            "hook-ok": {"kind": "webhook", "url": f"{public}/ok", "secret": "s3cr3t-value"},
            "slack": {"kind": "slack", "webhook_url": f"{public}/hook"},
            "slack-ok": {"kind": "slack", "webhook_url": f"{public}/ok"}}
    channels = load({"channels": cfgs}).channels
    out = {name: outcome(build(name, cfg), Message(f"change:1:{name}", [payload(1)], channel=name))
           for name, cfg in channels.items()}
    out["receiver_requests"] = len(receiver.requests)  # type: ignore[assignment]
    receiver.stop()
    server.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
