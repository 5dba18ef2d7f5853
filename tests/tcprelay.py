"""A loopback TCP relay that can be cut: a database outage without stopping the database.

    with TcpRelay(5432) as relay:   # 127.0.0.1:relay.port -> 127.0.0.1:5432
        relay.cut()                  # drop every connection, refuse new ones
        relay.restore()              # accept again, on the same port
"""

from __future__ import annotations

import socket
import threading


class TcpRelay:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.kept: set[socket.socket] = set()
        """Server-side sockets left open by ``cut(keep_upstream=True)``."""

    def __enter__(self) -> TcpRelay:
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        for sock in self.kept:
            sock.close()

    def restore(self) -> None:
        """Listen (again) on :attr:`port`."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self, keep_upstream: bool = False) -> None:
        """Stop listening and reset every relayed connection; ``keep_upstream``: only the client
        side, as a network that fails silently leaves the server's side open."""
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, []
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            except OSError:
                pass
            listener.close()
        if keep_upstream:
            self.kept.update(conns[1::2])
            conns = conns[0::2]
        for conn in conns:
            _drop(conn)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        """Copy ``src`` to ``dst`` until either fails, then close both (except kept ones)."""
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                if sock not in self.kept:
                    _drop(sock)


def _drop(sock: socket.socket) -> None:
    """Shut ``sock`` down, then close it. A bare close() while the other pump thread is blocked
    in recv() on it leaves the connection open (the kernel keeps the socket until that recv
    returns), so the peer would never see the cut."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
