"""A REAL SMTP server on 127.0.0.1 for tests (aiosmtpd in a thread), with fault modes.

    with SmtpServer() as smtp:                      # plain SMTP (smtp://...?tls=none)
        ...; smtp.messages                          # parsed email.message.EmailMessage list
    with SmtpServer(tls="starttls", cert=pair) as smtp:   # STARTTLS required, AUTH offered
    with SmtpServer(tls="implicit", cert=pair) as smtp:   # TLS from the first byte (smtps://)

- ``fail_next(n, reply="451 4.3.0 Try again later")``: the next ``n`` DATA commands get
  ``reply`` instead of being accepted (a 5xx reply makes a permanent failure).
- ``refuse`` holds recipient addresses answered ``550 5.1.1`` at RCPT.
- ``credentials``: a (user, password) pair the server requires (with TLS only).
- ``self_signed(tmp_path)`` makes a certificate for 127.0.0.1 with the openssl command.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, valid for two days."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        srv = self.server
        with srv.lock:
            srv.transactions += 1
            if srv.failures_left > 0:
                srv.failures_left -= 1
                return srv.failure_reply
            msg = message_from_bytes(envelope.content, policy=policy.default)
            srv.messages.append(msg)
            srv.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            srv.tls_used.append(session.ssl is not None or srv.tls == "implicit")
        return "250 2.0.0 Message accepted for delivery"


class SmtpServer:
    def __init__(
        self,
        *,
        tls: str = "none",
        cert: tuple[Path, Path] | None = None,
        credentials: tuple[str, str] | None = None,
    ):
        self.tls = tls
        self.cert = cert
        self.credentials = credentials
        self.port = free_port()
        self.lock = threading.Lock()
        self.messages: list = []
        self.envelopes: list = []
        self.tls_used: list[bool] = []
        self.transactions = 0
        self.failures_left = 0
        self.failure_reply = "451 4.3.0 Try again later"
        self.refuse: set[str] = set()
        self._controller: Controller | None = None

    def fail_next(self, n: int, reply: str = "451 4.3.0 Try again later") -> None:
        with self.lock:
            self.failures_left, self.failure_reply = n, reply

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            self.credentials is not None
            and auth_data.login.decode() == self.credentials[0]
            and auth_data.password.decode() == self.credentials[1]
        )
        return AuthResult(success=ok, handled=False)

    def url(self, with_credentials: bool = True) -> str:
        who = (
            f"{self.credentials[0]}:{self.credentials[1]}@"
            if (self.credentials and with_credentials)
            else ""
        )
        if self.tls == "implicit":
            return f"smtps://{who}127.0.0.1:{self.port}"
        if self.tls == "starttls":
            return f"smtp://{who}127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}?tls=none"

    def start(self) -> SmtpServer:
        kwargs: dict = {"hostname": "127.0.0.1", "port": self.port}
        if self.tls != "none":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(self.cert[0]), str(self.cert[1]))
            if self.tls == "implicit":  # (aiosmtpd offers AUTH only after STARTTLS)
                kwargs["ssl_context"] = ctx
            else:
                kwargs.update(tls_context=ctx, require_starttls=True)
        if self.credentials is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(_Handler(self), **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def to(self, address: str) -> list:
        """Messages accepted for ``address``."""
        with self.lock:
            return [m for m, (_, rcpts) in zip(self.messages, self.envelopes) if address in rcpts]
