"""systemd's notification protocol (sd_notify), in the few lines it takes.

Under ``Type=notify`` systemd sets ``NOTIFY_SOCKET`` (a unix datagram socket; a leading ``@``
means the abstract namespace) and, with ``WatchdogSec=``, ``WATCHDOG_USEC``. The daemon sends
``READY=1`` once it has scheduled every document, ``WATCHDOG=1`` from its reactor loop (a hung
reactor stops the pings and systemd restarts the service), ``STATUS=...`` lines, and
``STOPPING=1``. Without ``NOTIFY_SOCKET`` every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger("policywatch.daemon")


def notify(*fields: str) -> bool:
    """Send ``fields`` (e.g. ``"READY=1"``) to systemd; False when not run under systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall("\n".join(fields).encode("utf-8"))
    except OSError as exc:
        log.warning("systemd notification %s failed: %s", fields[0], exc)
        return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between watchdog pings (half of ``WatchdogSec``), or None without a watchdog."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0 or (pid.isdigit() and int(pid) != os.getpid()):
        return None
    return int(usec) / 2_000_000
