"""One listening POP3 socket (plain with STLS, or implicit TLS) on the running loop."""

from __future__ import annotations

import ssl

from mailtrap_py.faults import FaultSet
from mailtrap_py.listening import ConnectionService
from mailtrap_py.pop3.session import MaildropLocks
from mailtrap_py.pop3.transport import DEFAULT_IDLE_TIMEOUT, POP3Protocol
from mailtrap_py.store import Store


class POP3Service(ConnectionService[POP3Protocol]):
    name = "POP3"

    def __init__(
        self,
        store: Store,
        *,
        locks: MaildropLocks | None = None,
        hostname: str = "localhost",
        tls_context: ssl.SSLContext | None,
        implicit_tls: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        faults: FaultSet | None = None,
    ) -> None:
        super().__init__(tls_context=tls_context, implicit_tls=implicit_tls)
        self.store = store
        # Shared between the POP3 and POP3S services: one maildrop, one lock.
        self.locks = locks if locks is not None else MaildropLocks()
        self.hostname = hostname
        self.idle_timeout = idle_timeout
        # The server's fault rules (shared with its other services), consulted by
        # every connection at connect, greeting and each command.
        self.faults = faults if faults is not None else FaultSet()

    def make_protocol(self) -> POP3Protocol:
        return POP3Protocol(
            self.store,
            self.locks,
            hostname=self.hostname,
            tls_context=self.tls_context,
            implicit_tls=self.implicit_tls,
            idle_timeout=self.idle_timeout,
            connections=self.connections,
            faults=self.faults,
        )
