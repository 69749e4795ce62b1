"""widget/gunicorn_conf.py: its settings, and the shipped config serving for real: slow clients
do not stall it, and without Redis a rate limit holds for the whole instance."""

from __future__ import annotations

import importlib
import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

import pytest
from proc_helpers import Procs, free_port, get, procs, wait_until  # noqa: F401

ENV = (
    "WIDGET_WORKERS",
    "WIDGET_THREADS",
    "WIDGET_BIND",
    "WIDGET_ACCESS_LOG",
    "WIDGET_MAX_REQUESTS",
    "WIDGET_MAX_REQUESTS_JITTER",
    "WIDGET_CONTROL_SOCKET",
    "WIDGET_REDIS_URL",
)


@pytest.fixture
def gunicorn_conf(monkeypatch):
    import widget.gunicorn_conf as conf

    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield conf
    monkeypatch.undo()
    importlib.reload(conf)


def test_defaults_one_threaded_process_without_redis(gunicorn_conf, monkeypatch):
    conf = importlib.reload(gunicorn_conf)
    assert (conf.workers, conf.threads, conf.worker_class) == (1, 16, "gthread")
    assert conf.preload_app is False
    assert conf.accesslog is None
    assert conf.bind == ["127.0.0.1:8000"]
    assert conf.max_requests > 0 and 0 < conf.max_requests_jitter < conf.max_requests
    assert conf.control_socket_disable is True

    monkeypatch.setenv("WIDGET_REDIS_URL", "redis://127.0.0.1:6379/0")
    conf = importlib.reload(gunicorn_conf)
    cores = len(os.sched_getaffinity(0))
    assert (conf.workers, conf.threads) == (min(2 * cores + 1, 12), 4)

    monkeypatch.setenv("WIDGET_WORKERS", "3")
    monkeypatch.setenv("WIDGET_THREADS", "4")
    monkeypatch.setenv("WIDGET_BIND", "127.0.0.1:9001, unix:/tmp/widget.sock")
    monkeypatch.setenv("WIDGET_ACCESS_LOG", "-")
    conf = importlib.reload(gunicorn_conf)
    assert (conf.workers, conf.threads, conf.worker_class) == (3, 4, "gthread")
    assert conf.bind == ["127.0.0.1:9001", "unix:/tmp/widget.sock"]
    assert conf.accesslog == "-"

    monkeypatch.setenv("WIDGET_WORKERS", "1000")
    assert importlib.reload(gunicorn_conf).workers == 64  # clamped
    monkeypatch.setenv("WIDGET_WORKERS", "many")
    with pytest.raises(SystemExit, match="WIDGET_WORKERS"):
        importlib.reload(gunicorn_conf)


def test_gunicorn_loads_the_config_module(gunicorn_conf, monkeypatch):
    """gunicorn itself reads the module (names it does not know, like _int, are ignored)."""
    from gunicorn.app.wsgiapp import WSGIApplication

    monkeypatch.setenv("WIDGET_WORKERS", "2")
    monkeypatch.setenv("WIDGET_THREADS", "3")
    importlib.reload(gunicorn_conf)  # gunicorn imports the module: the reloaded one
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", "python:widget.gunicorn_conf", "wsgi:app"])
    cfg = WSGIApplication().cfg
    assert (cfg.workers, cfg.threads, cfg.preload_app) == (2, 3, False)
    assert cfg.worker_class_str == "gthread"
    assert cfg.max_requests_jitter > 0


@pytest.fixture
def served(tmp_path, procs):  # noqa: F811
    """gunicorn with the shipped config (no Redis) on a small scored store."""
    from datetime import datetime

    from widget.service.rescore import rescore
    from widget.sources.demo import build_demo
    from widget.store import make_engine

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    build_demo(engine, accounts=200, reactions=3000)
    rescore(engine, datetime.now(UTC).date())
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env.update(
        {
            "WIDGET_BIND": f"127.0.0.1:{port}",
            "WIDGET_DATABASE_URL": url,
            "WIDGET_SEED_DEMO": "false",
            "WIDGET_INSTANCE_PATH": str(tmp_path),
        }
    )
    procs.start(
        [sys.executable, "-m", "gunicorn", "-c", "python:widget.gunicorn_conf", "wsgi:app"],
        tmp_path / "gunicorn.log",
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    wait_until(lambda: get(port, "/ping", timeout=1)[0] == 200, 30, "gunicorn to answer")
    return port


def test_slow_clients_do_not_stall_the_service(served):
    port = served
    slow = []
    # Eight slow clients: more than the processes the old sync default ran on 2 cores (5),
    # fewer than the threads of the shipped one (16).
    heads = [
        b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # headers never finished
        b"POST /api/v1/plusk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        b"application/json\r\nContent-Length: 5000\r\n\r\n{",
    ]  # body never sent
    for head in heads * 4:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(head)
        slow.append(s)
    try:
        time.sleep(0.5)
        for _ in range(10):
            t0 = time.monotonic()
            status, _, body = get(port, "/ping", timeout=5)
            assert status == 200 and time.monotonic() - t0 < 1.0
            status, _, _ = get(port, "/badge/local:jessica.svg", timeout=5)
            assert status == 200
    finally:
        for s in slow:
            s.close()


def test_sixty_per_minute_means_sixty_for_the_whole_instance(served):
    import http.client
    import json

    port = served

    def post(_):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request(
                "POST",
                "/api/v1/plusk",
                body=json.dumps({"from": "local:a", "to": "local:b", "topic": "wine"}),
                headers={"Content-Type": "application/json"},
            )
            return conn.getresponse().status
        finally:
            conn.close()

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(post, range(80)))
    assert statuses.count(429) == 20, statuses
