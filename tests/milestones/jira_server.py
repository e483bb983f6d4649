"""A local HTTP server that answers like Jira Cloud, from the recorded responses in ``recorded/``.

The tests start it on 127.0.0.1 and point ``JIRA_SERVER`` at it, so that the
sync goes through the real ``jira`` package and real HTTP. ``fail_next`` makes
the next matching requests answer with an error first (a 429 with
``Retry-After``, a 401, a 503), to test the retries.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).parent / "recorded"
API = "/rest/api/2"


@dataclass
class Failure:
    path: str
    status: int
    body: str
    headers: dict[str, str]
    page_token: str | None = None  # for the search: only the request of this page (None: any)


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    authorization: str


@dataclass
class RecordedJira:
    """The server's state: its answers, the failures still to give, and the requests it received."""

    pages: dict[str | None, str] = field(
        default_factory=lambda: {None: "search_page1.json", "Ch0jU3RyaW5nJlVGSkZUMUJUJWludCYxNDM=": "search_page2.json"}
    )
    failures: list[Failure] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    overrides: dict[str, str] = field(default_factory=dict)  # file name -> replacement text

    def fail_next(
        self,
        path: str,
        status: int,
        *,
        body_file: str = "rate_limited.json",
        headers: dict[str, str] | None = None,
        page_token: str | None = None,
        times: int = 1,
    ) -> None:
        body = (RECORDED / body_file).read_text()
        for _ in range(times):
            self.failures.append(Failure(f"{API}/{path}", status, body, headers or {}, page_token))

    def searches(self) -> list[Request]:
        return [request for request in self.requests if request.path == f"{API}/search/jql"]

    def recorded(self, name: str) -> str:
        return self.overrides.get(name) or (RECORDED / name).read_text()


def _handler(state: RecordedJira):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            state.requests.append(Request(url.path, query, self.headers.get("Authorization", "")))
            token = query.get("nextPageToken", [None])[0]
            for failure in state.failures:
                if failure.path == url.path and (failure.page_token is None or failure.page_token == token):
                    state.failures.remove(failure)
                    return self._answer(failure.status, failure.body, failure.headers)
            if url.path == f"{API}/serverInfo":
                return self._answer(200, state.recorded("serverInfo.json"))
            if url.path == f"{API}/field":
                return self._answer(200, state.recorded("field.json"))
            if url.path == f"{API}/search/jql" and token in state.pages:
                return self._answer(200, state.recorded(state.pages[token]))
            return self._answer(404, json.dumps({"errorMessages": [f"No recording for {self.path}"], "errors": {}}))

        def _answer(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args) -> None:
            """Keep the test output quiet: the server logs nothing."""

    return Handler


class running_jira:
    """Start the recorded Jira on a free port of 127.0.0.1; stop it on exit."""

    def __enter__(self) -> RecordedJira:
        self.state = RecordedJira()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.state.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self.state

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
