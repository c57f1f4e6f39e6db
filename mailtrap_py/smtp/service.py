"""One listening SMTP socket (plain+STARTTLS, or implicit TLS) on the running loop."""

from __future__ import annotations

import asyncio
import ssl

from mailtrap_py.faults import FaultSet
from mailtrap_py.listening import ConnectionService
from mailtrap_py.smtp.handler import CaptureHandler
from mailtrap_py.smtp.policy import Greylist, RecipientPolicy, SMTPPolicy
from mailtrap_py.smtp.protocol import SMTPProtocol
from mailtrap_py.store import Store


class SMTPService(ConnectionService[SMTPProtocol]):
    name = "SMTP"

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
        super().__init__(tls_context=tls_context, implicit_tls=implicit_tls)
        self.handler = CaptureHandler(
            store, faults=faults, recipients=recipients, greylist=greylist
        )
        self.policy = policy

    def make_protocol(self) -> SMTPProtocol:
        return SMTPProtocol(
            self.handler,
            self.policy,
            tls_context=self.tls_context,
            implicit_tls=self.implicit_tls,
            connections=self.connections,
            loop=asyncio.get_running_loop(),
        )
