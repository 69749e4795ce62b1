"""A TCP proxy on 127.0.0.1 that a test (or bench/soak.sh) controls: forward, close (cut every
connection and refuse new ones), or freeze (accept and hold every byte, like a database that
hangs)."""

from __future__ import annotations

import select
import socket
import threading


class TcpProxy:
    def __init__(self, target: tuple[str, int], port: int = 0):
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.mode = "open"
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    # -- control -------------------------------------------------------------------------
    def close(self) -> None:
        """Cut every connection; refuse new ones (they are closed at once)."""
        self.mode = "closed"
        self._flowing.set()
        self._cut()

    def freeze(self) -> None:
        """Hold every byte in both directions; new connections are accepted and held too."""
        self.mode = "frozen"
        self._flowing.clear()

    def resume(self) -> None:
        self.mode = "open"
        self._flowing.set()

    def stop(self) -> None:
        self._stop = True
        self._flowing.set()
        self._cut()
        self.listener.close()

    # -- plumbing ------------------------------------------------------------------------
    def _cut(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "closed":
                client.close()
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self._flowing.wait()
        if self.mode == "closed" or self._stop:
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            return
        with self._lock:
            self._conns += [client, upstream]
        pair = {client: upstream, upstream: client}
        try:
            while True:
                ready, _, _ = select.select(list(pair), [], [], 0.2)
                for s in ready:
                    self._flowing.wait()  # frozen: hold the bytes
                    data = s.recv(65536)
                    if not data or self.mode == "closed":
                        raise OSError("closed")
                    pair[s].sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            for s in (client, upstream):
                try:
                    s.close()
                except OSError:
                    pass
