"""service.upstream: the shared client is made on first use only, and closing it closes its
pooled connections (seen from the server's side)."""

import pytest
from http_helpers import KeepAliveServer

from widget.service.upstream import Upstream
from widget.sources.http import UpstreamClient


@pytest.fixture
def server():
    s = KeepAliveServer()
    yield s
    s.stop()


def test_made_on_first_use_only():
    made = []
    upstream = Upstream(lambda: made.append(UpstreamClient()) or made[-1])
    assert upstream.health() == {} and made == []
    assert upstream.client is upstream.client and len(made) == 1
    upstream.close()


def test_close_closes_the_pooled_connection(server):
    upstream = Upstream(lambda: UpstreamClient(allow_loopback=True))
    doc, _ = upstream.client.get_json(f"http://127.0.0.1:{server.port}/doc")
    assert doc == {}
    assert not server.closed.wait(0.3)  # kept alive for the next request
    upstream.close()
    assert server.closed.wait(5)
    with pytest.raises(RuntimeError, match="closed"):
        upstream.client  # noqa: B018 (nothing is made after close)


def test_closing_an_unused_one_makes_nothing():
    made = []
    upstream = Upstream(lambda: made.append(1))
    upstream.close()
    assert made == []
