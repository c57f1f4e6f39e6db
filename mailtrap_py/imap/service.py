"""One listening IMAP socket (plain with STARTTLS, or implicit TLS) on the running loop."""

from __future__ import annotations

import ssl

from mailtrap_py.faults import FaultSet
from mailtrap_py.imap.transport import DEFAULT_IDLE_TIMEOUT, IMAPProtocol
from mailtrap_py.listening import ConnectionService
from mailtrap_py.store import Store


class IMAPService(ConnectionService[IMAPProtocol]):
    name = "IMAP"

    def __init__(
        self,
        store: Store,
        *,
        tls_context: ssl.SSLContext | None,
        implicit_tls: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        faults: FaultSet | None = None,
    ) -> None:
        super().__init__(tls_context=tls_context, implicit_tls=implicit_tls)
        self.store = store
        self.idle_timeout = idle_timeout
        self.faults = faults if faults is not None else FaultSet()

    def make_protocol(self) -> IMAPProtocol:
        return IMAPProtocol(
            self.store,
            tls_context=self.tls_context,
            implicit_tls=self.implicit_tls,
            idle_timeout=self.idle_timeout,
            connections=self.connections,
            faults=self.faults,
        )
