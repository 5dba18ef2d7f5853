"""The lease of a send in flight, renewed while the channel is still sending.

A channel's ``timeout`` bounds each network read, not the whole send: an SMTP server answering
every command just inside the timeout, or an HTTP reply trickled a byte at a time, can make one
send outlast the lease, and a second dispatcher would then claim the row and send it again.
While :class:`Lease` is entered, a thread pushes ``lease_until`` forward every third of the lease
(only while the row still holds this dispatcher's token), so a live dispatcher keeps its rows and
a dead one loses them one lease after its last renewal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import update

from store import Store
from store.models import Alert

log = logging.getLogger(__name__)


class Lease:
    """Context manager: renew the lease of rows ``ids`` claimed with ``token`` until exit."""

    def __init__(self, store: Store, ids: list[int], token: str, seconds: float,
                 clock: Callable[[], datetime]) -> None:
        self.store, self.ids, self.token = store, ids, token
        self.seconds, self.clock = seconds, clock
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-lease", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._done.set()
        self._thread.join()

    def renew(self) -> bool:
        """Push the lease forward; False when the rows no longer hold this token."""
        until = self.clock() + timedelta(seconds=self.seconds)
        with self.store.session() as s:
            result = s.execute(update(Alert).where(
                Alert.id.in_(self.ids), Alert.lease_token == self.token, Alert.status == "sending",
            ).values(lease_until=until).execution_options(synchronize_session=False))
            return bool(getattr(result, "rowcount", 0))

    def _run(self) -> None:
        while not self._done.wait(self.seconds / 3):
            try:
                if not self.renew():
                    log.warning("alerts %s: lease lost while sending", self.ids)
                    return
            except Exception as exc:  # noqa: BLE001 - a failed renewal must not kill the send
                log.warning("alerts %s: lease renewal failed: %s", self.ids, exc)
