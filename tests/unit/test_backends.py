"""Backend selection contract (README: Backends)."""
import pytest

from labkit.backends import BackendError, resolve


def test_endpoint_url_wins_for_embedded():
    b = resolve({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    assert (b.name, b.endpoint_url) == ("embedded", "http://127.0.0.1:5000")


def test_nothing_set_means_embedded_on_default_port():
    b = resolve({})
    assert (b.name, b.endpoint_url) == ("embedded", "http://127.0.0.1:4566")


def test_localstack_explicit():
    b = resolve({"LABKIT_BACKEND": "localstack"})
    assert b.name == "localstack" and b.endpoint_url == "http://localhost:4566"


def test_aws_refuses_without_confirmation():
    with pytest.raises(BackendError, match="LABKIT_AWS_CONFIRM=1"):
        resolve({"LABKIT_BACKEND": "aws"})


def test_aws_with_confirmation_has_no_endpoint():
    b = resolve({"LABKIT_BACKEND": "aws", "LABKIT_AWS_CONFIRM": "1"})
    assert b.name == "aws" and b.endpoint_url is None


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(BackendError, match="not one of"):
        resolve({"LABKIT_BACKEND": "azure"})


def _answering_after(delay: float):
    """A health endpoint on a free port that answers after ``delay`` seconds."""
    import json
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay)
            body = json.dumps({"status": "running"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_named_endpoint_slow_to_answer_is_waited_for():
    """CI run 13c: under load the harness's backend took over 2 s to answer its health check,
    and connect() said none answered. A named endpoint gets time; nothing is started."""
    from labkit import backends

    import os

    server = _answering_after(3.0)
    saved = dict(os.environ)    # connect() exports the backend into the environment
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        os.environ["AWS_ENDPOINT_URL"] = url
        os.environ.pop("LABKIT_BACKEND", None)
        backend = backends.connect()
        assert (backend.endpoint_url, backend.started_here) == (url, False)
    finally:
        server.shutdown()
        os.environ.clear()
        os.environ.update(saved)

