"""One listening IMAP socket (plain with STARTTLS, or implicit TLS) on the running loop."""

from __future__ import annotations

import asyncio
import logging
import ssl

from mailtrap_py.faults import FaultSet
from mailtrap_py.imap.transport import DEFAULT_IDLE_TIMEOUT, IMAPProtocol
from mailtrap_py.listening import close_listener, finish, listen, settle
from mailtrap_py.store import Store

log = logging.getLogger("mailtrap_py.imap")


class IMAPService:
    def __init__(
        self,
        store: Store,
        *,
        hostname: str = "localhost",
        tls_context: ssl.SSLContext | None,
        implicit_tls: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        faults: FaultSet | None = None,
    ) -> None:
        if implicit_tls and tls_context is None:
            raise ValueError("implicit TLS needs a TLS context")
        self.store = store
        self.hostname = hostname
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.idle_timeout = idle_timeout
        self.faults = faults if faults is not None else FaultSet()
        self.connections: set[IMAPProtocol] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); returns the bound port."""

        def make_protocol() -> IMAPProtocol:
            return IMAPProtocol(
                self.store,
                hostname=self.hostname,
                tls_context=self.tls_context,
                implicit_tls=self.implicit_tls,
                idle_timeout=self.idle_timeout,
                connections=self.connections,
                faults=self.faults,
            )

        self._server, self.port = await listen(
            make_protocol, host, port, self.tls_context if self.implicit_tls else None
        )
        return self.port

    async def stop(self) -> None:
        """Stop listening, say BYE to open connections, and wait for their tasks."""
        if self._server is None:
            return
        await close_listener(self._server)
        await finish([t for p in list(self.connections) for t in p.abort()], "IMAP")
        await settle()
        await self._server.wait_closed()
        self._server = None
