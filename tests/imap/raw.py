"""A raw IMAP socket for tests that must see the exact bytes a client library hides."""

from __future__ import annotations

import socket
import ssl
from types import TracebackType

TIMEOUT = 10


class RawIMAP:
    """Send lines, read until the tagged reply. Closed on `with` exit."""

    def __init__(self, host: str, port: int, *, tls: ssl.SSLContext | None = None) -> None:
        sock = socket.create_connection((host, port), timeout=TIMEOUT)
        try:
            self.sock: socket.socket = (
                tls.wrap_socket(sock, server_hostname="localhost") if tls else sock
            )
        except BaseException:
            sock.close()
            raise
        self.buffer = b""
        self.greeting = self.line()
        self._tags = 0

    def __enter__(self) -> RawIMAP:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes:
        """One line, CRLF included; b"" when the server closed the connection."""
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                rest, self.buffer = self.buffer, b""
                return rest
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line + b"\r\n"

    def exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def command(self, text: str | bytes) -> tuple[list[bytes], bytes]:
        """Send `TAG text`, return (untagged lines incl. literals, tagged line)."""
        self._tags += 1
        tag = f"t{self._tags}".encode()
        data = text.encode() if isinstance(text, str) else text
        self.send(tag + b" " + data + b"\r\n")
        return self.until(tag)

    def until(self, tag: bytes) -> tuple[list[bytes], bytes]:
        untagged: list[bytes] = []
        while True:
            line = self.line()
            if not line:
                raise ConnectionError(f"closed before the tagged reply; got {untagged!r}")
            if line.startswith(tag + b" "):
                return untagged, line
            untagged.append(line)
            if line.endswith(b"}\r\n") and b"{" in line:
                size = int(line[line.rindex(b"{") + 1 : -3].rstrip(b"+"))
                untagged.append(self.exact(size))

    def ok(self, text: str | bytes) -> list[bytes]:
        untagged, tagged = self.command(text)
        assert tagged.split(b" ")[1] == b"OK", (text, untagged, tagged)
        return untagged

    def login(self, user: str = "ann@example.com", password: str = "secret") -> None:
        self.ok(f'LOGIN "{user}" "{password}"')
