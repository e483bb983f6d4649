"""A task carries the request id of whatever enqueued it, so its log lines trace back to the request."""

import contextvars
from types import SimpleNamespace

from console.logging import request_id_var
from project.celery import pass_request_id, take_request_id


def test_an_enqueued_task_carries_the_request_id_into_the_worker():
    headers: dict = {}
    token = request_id_var.set("request-1234abcd")
    try:
        pass_request_id(headers=headers)
    finally:
        request_id_var.reset(token)

    def in_the_worker() -> str:
        task = SimpleNamespace(request=SimpleNamespace(console_request_id=headers["console_request_id"]))
        take_request_id(task=task)
        return request_id_var.get()

    assert contextvars.copy_context().run(in_the_worker) == "request-1234abcd"


def test_a_task_enqueued_outside_a_request_gets_a_fresh_id():
    headers: dict = {}

    pass_request_id(headers=headers)

    assert len(headers["console_request_id"]) == 32
