"""A pool of worker processes for CPU work (extraction, diff, classification), sized to the cores.

The crawler's reactor thread only fetches; a page's extraction and a version pair's diff and
classification run here, on every core. ``cpu_workers`` (setting) sizes the pool; 0 runs
everything in the calling thread, as before. Functions sent here must be picklable (module-level)
and pure.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, TypeVar

import config

log = logging.getLogger(__name__)
T = TypeVar("T")


def min_jobs() -> int:
    """Fewer jobs than this (pages of a crawl) run in the calling process (setting
    ``cpu_workers_from``): starting the workers, each importing the extractor and the
    classifier, costs more than it saves on a small crawl."""
    return int(config.get("cpu_workers_from"))

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_pid = 0


def size() -> int:
    """Worker processes to use: the ``cpu_workers`` setting, or one per core."""
    configured = config.configured("cpu_workers")
    return int(configured) if configured is not None else (os.cpu_count() or 1)


def shared() -> Executor | None:
    """This process's pool (started on first use), or None when ``cpu_workers`` is 0."""
    global _pool, _pool_pid
    if size() <= 0:
        return None
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            # spawn, not fork: the crawler process runs threads (reactor, writer) that fork
            # would copy mid-flight.
            _pool = ProcessPoolExecutor(size(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=follow_parent, initargs=(os.getpid(),))
            _pool_pid = os.getpid()
            log.debug("started %d CPU worker processes", size())
        return _pool


def follow_parent(parent: int, interval: float = 1.0) -> None:
    """In a worker: exit as soon as the crawler process that started it is gone (SIGKILL, OOM),
    instead of lingering with its memory. Runs as the pool's initializer."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def shutdown() -> None:
    """Stop the pool (a new one starts on next use)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


async def run(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the pool, awaited from the asyncio loop (the crawler's reactor)."""
    pool = shared()
    if pool is None:
        return fn(*args)
    return await asyncio.wrap_future(pool.submit(fn, *args))


def map_all(fn: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
    """``[fn(x) for x in items]`` across the pool, from any thread; in order."""
    work = list(items)
    pool = shared() if len(work) > 1 else None
    if pool is None:
        return [fn(x) for x in work]
    return list(pool.map(fn, work))
