"""The embedded broker (kombu's filesystem transport through project/broker.py) gives each queue its own messages:
kombu's own gave the worker of ``celery`` every message of a queue whose name ends in ``.celery``, such as a
submit host's ``submit.in2p3.celery``, so that the console's worker ran that host's dispatches on the wrong host; and
it writes each message whole."""

import contextlib
import json
import os
import threading

from kombu import Connection

from project.broker import FilesystemTransport


def connection(folder) -> Connection:
    """The embedded broker on ``folder`` (its messages), its control folder beside it (where kombu keeps the queues'
    bindings: the transport's memory of queues declared by an earlier test is cleared)."""
    folder.mkdir(exist_ok=True)
    FilesystemTransport.global_state.clear()
    return Connection(
        transport=FilesystemTransport,
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder.parent / "control"),
            "store_processed": False,
        },
    )


def test_a_queue_whose_name_ends_another_s_keeps_its_messages(tmp_path):
    with connection(tmp_path / "queue") as broker:
        host_queue = broker.SimpleQueue("submit.in2p3.celery")
        console_queue = broker.SimpleQueue("celery")
        host_queue.put({"dispatch": 7})
        console_queue.put({"dispatch": 8})

        assert console_queue.qsize() == 1 and host_queue.qsize() == 1
        taken = console_queue.get(timeout=1)
        assert taken.payload == {"dispatch": 8}
        taken.ack()
        assert console_queue.qsize() == 0
        other = host_queue.get(timeout=1)
        assert other.payload == {"dispatch": 7}
        other.ack()
        console_queue.close()
        host_queue.close()


def test_a_purge_takes_the_queues_own_messages_only(tmp_path):
    with connection(tmp_path / "queue") as broker:
        host_queue = broker.SimpleQueue("submit.in2p3.celery")
        console_queue = broker.SimpleQueue("celery")
        host_queue.put({"dispatch": 7})
        console_queue.put({"dispatch": 8})

        assert console_queue.clear() == 1

        assert host_queue.qsize() == 1
        console_queue.close()
        host_queue.close()


def test_a_message_is_never_seen_half_written(tmp_path):
    """A reader that lists the folder while large messages are written finds each one whole (kombu wrote in place:
    a worker read a file being written and died of a JSONDecodeError)."""
    written = 40
    half_written: list[str] = []
    done = threading.Event()

    def write() -> None:
        with connection(tmp_path / "queue") as broker:
            queue = broker.SimpleQueue("celery")
            for number in range(written):
                queue.put({"number": number, "padding": "x" * 4_000_000})
            queue.close()
        done.set()

    folder = tmp_path / "queue"
    folder.mkdir(exist_ok=True)
    writer = threading.Thread(target=write)
    writer.start()
    while not done.is_set():
        for name in os.listdir(folder):
            if name.endswith(".msg"):
                with contextlib.suppress(FileNotFoundError), open(folder / name, "rb") as file:
                    try:
                        json.loads(file.read())
                    except ValueError:
                        half_written.append(name)
    writer.join()

    assert half_written == []
    assert len([name for name in os.listdir(folder) if name.endswith(".msg")]) == written
    assert not [name for name in os.listdir(folder) if not name.endswith(".msg")]
