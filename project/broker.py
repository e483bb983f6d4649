"""The embedded default broker: kombu's filesystem transport, made to notice a worker's stop at once, and to give
each queue its own messages only.

Celery's worker reads a transport that cannot wait on a socket in a blocking loop
(``celery.worker.loops.synloop``) that asks for messages for up to 2 s at a time, and runs one more
such cycle after it has seen the stop: a Ctrl-C under ``make run`` took 4 s before the worker even began
its warm shutdown, and honcho kills what has not stopped after 5 s. This transport asks in slices of its
polling interval and gives up as soon as the worker is stopping, so that the warm shutdown starts at
once. Settings register it as the ``filesystem`` transport (``project.celery``).

Kombu names a message's file ``<ms>_<uuid>.<queue>.msg`` and gives a worker of queue ``q`` every file whose name
*contains* ``.q.msg``: the console's worker (queue ``celery``) took the messages of a submit host's queue
``submit.in2p3.celery``, and ran that host's dispatches on the wrong machine. ``FilesystemChannel`` stores each
queue's files under ``~<queue>`` (``.~celery.msg`` is in no other queue's file name), so a queue gets its own.
Kombu also writes a message into its file in place, where a worker listing the folder meanwhile read it empty and
died ("Unrecoverable error: JSONDecodeError"): this channel writes each under a name no queue reads, then renames it.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps


def _worker_is_stopping() -> bool:
    from celery.worker import state

    return state.should_stop is not None or state.should_terminate is not None


def _own(queue: str) -> str:
    """The name a queue's message files carry: ``~`` before it, so that no queue's name ends another's."""
    return f"~{queue}"


class FilesystemChannel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Kombu's ``_put``, but whole or not at all: written under a hidden name, then renamed (atomic)."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{_own(queue)}.msg"
        writing = os.path.join(self.data_folder_out, f".writing-{uuid.uuid4()}")
        try:
            with open(writing, "wb") as file:
                file.write(dumps(payload).encode())
            os.replace(writing, os.path.join(self.data_folder_out, name))
        except OSError as error:
            raise ChannelError(f"Cannot add file {name!r} to directory: {error}") from error

    def _get(self, queue):
        return super()._get(_own(queue))

    def _purge(self, queue):
        return super()._purge(_own(queue))

    def _size(self, queue):
        return super()._size(_own(queue))


class FilesystemTransport(filesystem.Transport):
    Channel = FilesystemChannel

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
