"""Certificates for STARTTLS and the implicit-TLS ports, made at start-up.

One trustme CA per process (making a key takes tens of milliseconds, and a test
session may start many servers). Its PEM is handed to clients, as bytes or as a
file, so they can verify the server instead of switching verification off.
"""

from __future__ import annotations

import atexit
import os
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    ca_pem: bytes
    ca_path: Path
    server_context: ssl.SSLContext

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA, for tests and the CLI's `send`."""
        return ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))


_lock = threading.Lock()
_certificates: Certificates | None = None


def server_names() -> list[str]:
    """Names a client may use to reach a local server, all in the certificate."""
    names = ["localhost", "127.0.0.1", "::1"]
    try:
        host = socket.gethostname()
    except OSError:  # pragma: no cover - no hostname at all
        host = ""
    if host and host not in names:
        names.append(host)
    return names


def certificates() -> Certificates:
    """The process's CA and server certificate, made on first use."""
    global _certificates
    with _lock:
        if _certificates is None:
            _certificates = _make()
        return _certificates


def _make() -> Certificates:
    # Imported here: trustme pulls in `cryptography` (~50 ms), which a test session
    # should pay only when it starts a server, not when pytest loads the plugin.
    import trustme

    ca = trustme.CA(organization_name="mailtrap-py test CA")
    # The names are in subjectAltName, where RFC 6125 looks. The subject CN too:
    # fetchmail (6.4) refuses a certificate without one ("Server name not specified
    # in certificate") before it even looks at the alternative names.
    cert = ca.issue_cert(*server_names(), common_name="localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_pem = ca.cert_pem.bytes()
    fd, name = tempfile.mkstemp(prefix="mailtrap-py-ca-", suffix=".pem")
    with os.fdopen(fd, "wb") as f:
        f.write(ca_pem)
    path = Path(name)
    atexit.register(path.unlink, missing_ok=True)
    return Certificates(ca_pem=ca_pem, ca_path=path, server_context=context)
