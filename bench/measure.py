"""Run a command and measure it: wall time, CPU time, peak resident memory of its process tree, bytes written.

Peak RSS is the largest sum of VmRSS over the process and all its descendants, sampled every
20 ms from /proc. Bytes written come from the kernel's accounting of the whole tree
(``ru_oublock`` of ``wait4``, 512-byte units: what /proc/PID/io calls write_bytes, the bytes sent
to the storage layer, reaped descendants included).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    """What one measured command did."""

    seconds: float
    peak_rss_mb: float
    write_bytes: int
    returncode: int
    stdout: str
    stderr: str
    #: User + system CPU time of the whole tree (``ru_utime + ru_stime`` of ``wait4``, reaped
    #: descendants included): less disturbed by other load on the host than wall time.
    cpu_seconds: float = 0.0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and every descendant, in kB."""
    tree, todo, total = _children(), [pid], 0
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def run(cmd: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run ``cmd`` to completion, sampling its tree's memory; stdout and stderr are captured."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.perf_counter()
    proc = subprocess.Popen(list(cmd), env=dict(env) if env is not None else None, cwd=cwd,
                            stdout=out_w, stderr=err_w)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}

    def drain(fd: int) -> None:
        while data := os.read(fd, 65536):
            chunks[fd].append(data)

    readers = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in chunks]
    for t in readers:
        t.start()
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    for fd in chunks:
        os.close(fd)
    text = {fd: b"".join(c).decode("utf-8", "replace") for fd, c in chunks.items()}
    return Run(seconds, peak / 1024, usage.ru_oublock * 512, proc.returncode, text[out_r], text[err_r],
               usage.ru_utime + usage.ru_stime)
