"""The aiosmtpd handler: authentication, the EHLO reply, recipient policies, fault
rules at MAIL, RCPT and DATA, and capture after DATA."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session, TLSSetupException

from mailtrap_py.faults import FaultSet, Matcher
from mailtrap_py.message import Message
from mailtrap_py.smtp.policy import Greylist, RecipientPolicy
from mailtrap_py.store import Store

if TYPE_CHECKING:
    from mailtrap_py.smtp.protocol import SMTPProtocol

log = logging.getLogger("mailtrap_py.smtp")


def format_peer(peer: Any) -> str | None:
    """`host:port`, with IPv6 hosts in brackets, from a socket peer name."""
    if isinstance(peer, tuple) and len(peer) >= 2:
        host, port = peer[0], peer[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return None if peer is None else str(peer)


class CaptureHandler:
    """Keeps every message accepted after DATA in the store, untouched."""

    def __init__(
        self,
        store: Store,
        *,
        faults: FaultSet | None = None,
        recipients: RecipientPolicy | None = None,
        greylist: Greylist | None = None,
    ) -> None:
        self.store = store
        self.faults = faults if faults is not None else FaultSet()
        self.recipients = recipients or RecipientPolicy()
        self._allowed = [Matcher(p) for p in self.recipients.allowed_recipients]
        self.greylist = greylist

    # aiosmtpd sets the envelope itself only when a hook is missing; these hooks
    # set it too, after the fault rules and policies had their say.

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        refusal = await server.fault("MAIL", address=address)
        if refusal is not None:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = await server.fault("RCPT", address=address)
        if refusal is None:
            refusal = self._recipient_refusal(session, envelope, address)
        if refusal is not None:
            log.info("RCPT %s refused: %s", address, refusal)
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    def _recipient_refusal(self, session: Session, envelope: Envelope, address: str) -> str | None:
        policy = self.recipients
        if policy.max_recipients is not None and len(envelope.rcpt_tos) >= policy.max_recipients:
            # RFC 5321 section 4.5.3.1.10: 452 for too many recipients, so the
            # client sends the rest in another transaction.
            return f"452 4.5.3 Too many recipients (at most {policy.max_recipients})"
        if self._allowed and not any(match(address) for match in self._allowed):
            return "550 5.1.1 Recipient address rejected: not allowed here"
        if (
            policy.reject_unknown_users
            and self.store.strict
            and self.store.password_of(address) is None
        ):
            return "550 5.1.1 Recipient address rejected: user unknown"
        if self.greylist is not None:
            peer = session.peer
            ip = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
            return self.greylist.check(ip, envelope.mail_from or "", address)
        return None

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if server.require_starttls and session.ssl is None:
            # RFC 3207 section 4: with TLS required, offering AUTH in the clear only
            # invites a 530; aiosmtpd offers it whenever auth_require_tls is off.
            responses = [r for r in responses if not r[4:].upper().startswith("AUTH")]
        # aiosmtpd reads commands one line at a time, so pipelined commands already
        # work (RFC 2920); it just does not say so. Say it before the last line.
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTPProtocol, session: Session, envelope: Envelope
    ) -> str:
        # The data is in; a fault here answers instead of 250, and the message is
        # not captured (or, on a disconnect, this coroutine never returns).
        refusal = await server.fault(
            "DATA", addresses=[envelope.mail_from or "", *envelope.rcpt_tos]
        )
        if refusal is not None:
            return refusal
        raw = envelope.original_content
        assert raw is not None
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        auth_user = login.decode("utf-8", "replace") if login is not None else None
        tls = session.ssl is not None or getattr(server, "implicit_tls", False)
        message = Message(
            raw,
            sender=envelope.mail_from or "",
            recipients=list(envelope.rcpt_tos),
            peer=format_peer(session.peer),
            auth_user=auth_user,
            tls=tls,
        )
        self.store.deliver(message)
        if log.isEnabledFor(logging.INFO):  # the subject costs a parse: only if shown
            log.info(
                "captured %s from %s to %s: %r (%d bytes)",
                message.id,
                message.sender or "<>",
                ", ".join(message.recipients),
                message.subject,
                message.size,
            )
        return f"250 2.0.0 OK: queued as {message.id}"

    async def handle_exception(self, error: Exception) -> str:
        """What the client hears when a command fails inside the server."""
        if isinstance(error, TLSSetupException):
            # Usually the client refused the certificate (it does not trust the CA)
            # or hung up mid-handshake: its problem, told without a traceback.
            log.warning("STARTTLS handshake failed: %r", error.__cause__ or error)
            return "454 4.7.0 TLS handshake failed"
        log.error("error in SMTP session", exc_info=error)
        # 451: a local error, so a well-behaved client retries later (RFC 5321 4.2.3).
        return f"451 4.3.0 Internal server error ({type(error).__name__})"

    def authenticate(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        """aiosmtpd's `authenticator`: catch-all unless users are declared or strict."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if server.fault_at_auth(user):
            return AuthResult(success=False, handled=False)  # the fault's reply goes out
        if self.store.check_login(user, password):
            return AuthResult(success=True, auth_data=auth_data)
        log.info("AUTH %s refused for %r from %s", mechanism, user, format_peer(session.peer))
        return AuthResult(success=False, handled=False)
