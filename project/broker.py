"""The embedded default broker: kombu's filesystem transport, made to notice a worker's stop at once.

Celery's worker reads a transport that cannot wait on a socket in a blocking loop
(``celery.worker.loops.synloop``) that asks for messages for up to 2 s at a time, and runs one more
such cycle after it has seen the stop: a Ctrl-C under ``make run`` took 4 s before the worker even began
its warm shutdown, and honcho kills what has not stopped after 5 s. This transport asks in slices of its
polling interval and gives up as soon as the worker is stopping, so that the warm shutdown starts at
once. Settings register it as the ``filesystem`` transport (``project.celery``).
"""

from time import monotonic

from kombu.transport import filesystem


def _worker_is_stopping() -> bool:
    from celery.worker import state

    return state.should_stop is not None or state.should_terminate is not None


class FilesystemTransport(filesystem.Transport):
    def drain_events(self, connection, timeout=None):
        deadline = None if timeout is None else monotonic() + timeout
        while not _worker_is_stopping():
            remaining = self.polling_interval if deadline is None else deadline - monotonic()
            if remaining <= 0:
                break
            try:
                return super().drain_events(connection, timeout=min(self.polling_interval, remaining))
            except TimeoutError:
                continue
        raise TimeoutError()
