"""Logs are JSON lines that carry the request id and the user."""

import json
import logging

import pytest
from django.urls import reverse

from console.logging import ContextFilter, JsonFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log_lines():
    """Collect what the console's request logger writes, formatted as in production."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("console.request")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_each_request_logs_a_json_line_with_request_id_and_user(client_for, operator, json_log_lines):
    response = client_for(operator).get(reverse("dashboard:home"), HTTP_X_REQUEST_ID="trace-abcdef12")

    entry = json.loads(json_log_lines[-1])
    assert entry["request_id"] == "trace-abcdef12" == response["X-Request-ID"]
    assert entry["user"] == "operator"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/", 200)
    assert entry["level"] == "info"


def test_a_request_id_that_does_not_look_like_one_is_replaced(client_for, operator, json_log_lines):
    response = client_for(operator).get(reverse("dashboard:home"), HTTP_X_REQUEST_ID="<script>")

    entry = json.loads(json_log_lines[-1])
    assert entry["request_id"] == response["X-Request-ID"]
    assert len(entry["request_id"]) == 32
