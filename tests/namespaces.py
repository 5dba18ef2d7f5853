"""Child processes in namespaces of their own (root only): nothing they mount or address leaks.

- :func:`run_python` -- the tests of the private-target refusal need a host that is public and
  yet answers: the child runs in new network and mount namespaces (``unshare --net --mount``)
  where ``lo`` also carries the public address :data:`PUBLIC_IP` and ``/etc/hosts`` names
  ``public.test`` (that address) and ``private.test`` (10.1.2.3).
- :func:`run_with_mounts` -- the tests of database faults mount small or read-only file systems
  (tmpfs) in a mount namespace of the child's own (``unshare --mount``).
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


def available(*flags: str) -> str | None:
    """Why namespaces (``unshare FLAGS``) cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return f"needs root (unshare {' '.join(flags)})"
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "needs unshare(1) and ip(8)"
    probe = subprocess.run(["unshare", *flags, "true"], capture_output=True)
    return None if probe.returncode == 0 else f"unshare fails: {probe.stderr.decode().strip()}"


def run_with_mounts(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a mount namespace of its own (its mounts vanish with it)."""
    reason = available("--mount")
    if reason:
        pytest.skip(reason)
    return subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def run_python(tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` inside a namespace where ``public.test`` is a public address on loopback."""
    reason = available("--net", "--mount")
    if reason:
        pytest.skip(reason)
    hosts = tmp_path / "hosts"
    hosts.write_text(HOSTS, encoding="utf-8")
    script = (f"ip link set lo up && ip addr add {PUBLIC_IP}/32 dev lo && "
              f"mount --bind {hosts} /etc/hosts && exec \"$0\" \"$@\"")
    return subprocess.run(["unshare", "--net", "--mount", "sh", "-c", script, sys.executable, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
