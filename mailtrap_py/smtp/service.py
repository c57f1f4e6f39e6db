"""One listening SMTP socket (plain+STARTTLS, or implicit TLS) on the running loop."""

from __future__ import annotations

import asyncio
import logging
import ssl

from mailtrap_py.faults import FaultSet
from mailtrap_py.listening import close_listener, finish, listen
from mailtrap_py.smtp.handler import CaptureHandler
from mailtrap_py.smtp.policy import Greylist, RecipientPolicy, SMTPPolicy
from mailtrap_py.smtp.protocol import SMTPProtocol
from mailtrap_py.store import Store

log = logging.getLogger("mailtrap_py.smtp")


class SMTPService:
    def __init__(
        self,
        store: Store,
        policy: SMTPPolicy,
        *,
        tls_context: ssl.SSLContext | None,
        implicit_tls: bool = False,
        faults: FaultSet | None = None,
        recipients: RecipientPolicy | None = None,
        greylist: Greylist | None = None,
    ) -> None:
        if implicit_tls and tls_context is None:
            raise ValueError("implicit TLS needs a TLS context")
        self.handler = CaptureHandler(
            store, faults=faults, recipients=recipients, greylist=greylist
        )
        self.policy = policy
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.connections: set[SMTPProtocol] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); returns the bound port."""
        loop = asyncio.get_running_loop()

        def make_protocol() -> SMTPProtocol:
            return SMTPProtocol(
                self.handler,
                self.policy,
                tls_context=self.tls_context,
                implicit_tls=self.implicit_tls,
                connections=self.connections,
                loop=loop,
            )

        self._server, self.port = await listen(
            make_protocol, host, port, self.tls_context if self.implicit_tls else None
        )
        return self.port

    async def stop(self) -> None:
        """Stop listening, drop open connections, and wait for their tasks to end."""
        if self._server is None:
            return
        await close_listener(self._server)
        tasks = [t for t in (p.abort() for p in list(self.connections)) if t is not None]
        await finish(tasks, "SMTP")
        await self._server.wait_closed()
        self._server = None
