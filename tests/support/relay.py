"""A TCP relay, for processes on another network (a namespace host of tests/slurm) to reach a service that listens
on this machine's loopback only (the tests' PostgreSQL and Redis): connections to ``listen`` are carried, byte for
byte, to ``target``. It runs in threads of the test's process and stops with ``close()``."""

import contextlib
import socket
import threading


class TcpRelay:
    def __init__(self, *, listen_host: str, target: tuple[str, int]):
        self.target = target
        self.server = socket.create_server((listen_host, 0))
        self.address = self.server.getsockname()[:2]
        self.connections: list[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, name=f"relay to {target}", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        self.closed.set()
        self.server.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy what ``source`` sends to ``sink`` until either side closes; then close both."""
    with contextlib.suppress(OSError):  # either side closed or reset: the connection is over
        while data := source.recv(65536):
            sink.sendall(data)
    for end in (source, sink):
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
