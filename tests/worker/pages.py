"""A loopback web server whose pages a test scripts: answers in turn, counts, stalls."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Answer:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    # Held until set: the request stays open meanwhile (a job stuck in its fetch).
    release: threading.Event | None = None
    location: str | None = None  # a redirect's target


def article_page(title: str, paragraphs: int = 6) -> bytes:
    """An article the pipeline finds: a title and a few paragraphs of prose."""
    text = "".join(
        f"<p>Paragraph {n} of {title}: the committee met on a grey morning to weigh the "
        f"evidence, and its members spoke at length about what the river had carried "
        f"down from the hills over the winter, and what it would mean for the town.</p>"
        for n in range(1, paragraphs + 1)
    )
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{text}</article>"
        f"<footer>Footer</footer></body></html>"
    ).encode()


@dataclass
class PageServer:
    """`script[path]` lists the answers to successive requests (the last one repeats)."""

    port: int = 0
    script: dict[str, list[Answer]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def allow_hosts(self) -> str:
        return f"127.0.0.1:{self.port}"

    def wait_for_hits(self, path: str, count: int, timeout: float = 30) -> None:
        with self.arrived:
            if not self.arrived.wait_for(lambda: self.hits[path] >= count, timeout):
                raise AssertionError(f"{path}: {self.hits[path]} requests, not {count}")

    def answer(self, path: str) -> Answer:
        with self.arrived:
            self.hits[path] += 1
            answers = self.script.get(path) or [Answer(status=404, body=b"not found")]
            self.arrived.notify_all()
            return answers[min(self.hits[path], len(answers)) - 1]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that went away mid-answer (a killed worker, a fetch that timed out) are
        what these tests do on purpose: no traceback on stderr."""


@contextmanager
def page_server() -> Iterator[PageServer]:
    pages = PageServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = pages.answer(self.path)
            if answer.release is not None:
                answer.release.wait(60)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            if answer.location is not None:
                self.send_header("Location", answer.location)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reports what matters."""

    server = _QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    pages.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield pages
    finally:
        server.shutdown()
        server.server_close()
