"""The git command line, run as a subprocess: the few calls import and export need."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


class GitError(Exception):
    """git is missing, or a git command failed; the message has git's own words.
    Raised by :func:`git` and :class:`Blobs`."""


def git(repo: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
        ) -> bytes:
    """Run ``git -C repo ARGS`` and return its standard output."""
    import os

    try:
        done = subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True,
                              env={**os.environ, **(env or {})}, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed (it is needed to read and write git history)") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args[:2])} in {repo} failed: {message}")
    return done.stdout


def is_repository(path: Path) -> bool:
    """Whether ``path`` is a git work tree or a bare repository."""
    try:
        return git(path, "rev-parse", "--git-dir").strip() != b""
    except GitError:
        return False


class Blobs:
    """Reads files at commits through one ``git cat-file --batch`` process."""

    def __init__(self, repo: Path) -> None:
        self._proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, commit: str, path: str) -> bytes:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{commit}:{path}\n".encode("utf-8"))
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().decode("utf-8", "replace").split()
        if len(header) != 3:
            raise GitError(f"{commit}:{path}: {' '.join(header) or 'no answer from git cat-file'}")
        data = self._proc.stdout.read(int(header[2]))
        self._proc.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait(10)

    def __enter__(self) -> Blobs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def log_entries(repo: Path, pathspec: Sequence[str] = ()) -> list[tuple[str, str, str, list[str]]]:
    """(commit, ISO author date, message, files added or modified) of every commit, oldest
    first (git's order, which is not always date order)."""
    out = git(repo, "log", "--reverse", "--no-renames", "--diff-filter=AM", "--name-only", "-z",
              "--format=%x1e%H%x1f%aI%x1f%B%x1f", "--", *pathspec).decode("utf-8", "replace")
    entries = []
    for record in out.split("\x1e")[1:]:
        commit, date, message, rest = record.split("\x1f", 3)
        files = [name.strip("\n") for name in rest.split("\x00") if name.strip("\n")]
        entries.append((commit, date, message.strip(), files))
    return entries
