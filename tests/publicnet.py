"""A public address on loopback, in a network namespace of its own (root only).

The tests of the private-target refusal need a host that is public and yet answers: a child
process runs in new network and mount namespaces (``unshare --net --mount``) where ``lo`` also
carries the public address :data:`PUBLIC_IP` and ``/etc/hosts`` names ``public.test`` (that
address) and ``private.test`` (10.1.2.3). Nothing of it is visible outside the child.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_IP = "93.184.215.14"
HOSTS = f"127.0.0.1 localhost\n::1 localhost\n{PUBLIC_IP} public.test\n10.1.2.3 private.test\n"


def available() -> str | None:
    """Why a public network namespace cannot be made here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (unshare --net --mount)"
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "needs unshare(1) and ip(8)"
    probe = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True)
    return None if probe.returncode == 0 else f"unshare fails: {probe.stderr.decode().strip()}"


def run_python(tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` inside a namespace where ``public.test`` is a public address on loopback."""
    reason = available()
    if reason:
        pytest.skip(reason)
    hosts = tmp_path / "hosts"
    hosts.write_text(HOSTS, encoding="utf-8")
    script = (f"ip link set lo up && ip addr add {PUBLIC_IP}/32 dev lo && "
              f"mount --bind {hosts} /etc/hosts && exec \"$0\" \"$@\"")
    return subprocess.run(["unshare", "--net", "--mount", "sh", "-c", script, sys.executable, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
