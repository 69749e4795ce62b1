"""Subprocess and plain-HTTP helpers for tests that run real servers (gunicorn, nginx)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None, timeout: float = 10.0):
    """(status, headers with lower-case names, body) of one GET to 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def wait_until(check, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Procs:
    """Subprocesses started by a test, each in its own process group, all stopped at the end
    (even when the test fails)."""

    def __init__(self):
        self.procs: list[tuple[subprocess.Popen, object]] = []

    def start(self, args, log: Path, **kwargs) -> subprocess.Popen:
        out = open(log, "wb")
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        self.procs.append((proc, out))
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:  # anything left in its group (workers of a master that died)
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait(timeout)

    def close(self) -> None:
        for proc, out in reversed(self.procs):
            try:
                self.stop(proc)
            finally:
                out.close()


@pytest.fixture
def procs():
    p = Procs()
    try:
        yield p
    finally:
        p.close()
