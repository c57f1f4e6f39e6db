"""aiosmtpd's `SMTP` protocol with the fixes and additions mailtrap-py needs.

Subclassed, not copied: each override below says what aiosmtpd lacks or gets wrong
for a test server.
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import logging
import secrets
import time
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword, Session, auth_mechanism

from mailtrap_py.__about__ import __version__
from mailtrap_py.smtp.handler import CaptureHandler
from mailtrap_py.smtp.policy import SMTPPolicy

log = logging.getLogger("mailtrap_py.smtp")

# aiosmtpd answers "500 Line too long" to any line over 1001 octets, as RFC 5321
# section 4.5.3.1.6 allows. Real applications send longer lines anyway (HTML
# mailers, unwrapped base64) and Postfix, Exim, GreenMail and Mailpit accept them,
# so rejecting would lose exactly the messages a test wants to see. One MiB per
# line bounds memory per connection; beyond it the 500 still comes.
MAX_LINE_LENGTH = 1024 * 1024


class _Session(Session):
    # aiosmtpd's own smtp_AUTH still sets the deprecated `login_data`, whose setter
    # logs a warning on every successful AUTH. A plain attribute keeps logs clean;
    # mailtrap-py reads `auth_data` instead.
    login_data: Any = None


class SMTPProtocol(SMTP):
    """One SMTP connection."""

    line_length_limit = MAX_LINE_LENGTH

    def __init__(
        self,
        handler: CaptureHandler,
        policy: SMTPPolicy,
        *,
        tls_context: Any,
        implicit_tls: bool,
        connections: set[SMTPProtocol],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        # aiosmtpd keeps command_size_limits in one dict on the class and clears it
        # for every new connection, so one client's EHLO changes another's limits.
        # One dict per connection instead.
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        super().__init__(
            handler,
            data_size_limit=policy.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=policy.hostname,  # given, so aiosmtpd never calls the blocking getfqdn()
            ident=f"mailtrap-py {__version__}",
            # On the implicit-TLS port the socket is already encrypted: no STARTTLS
            # to offer or demand there.
            tls_context=None if implicit_tls else tls_context,
            require_starttls=policy.starttls_required and not implicit_tls,
            timeout=policy.timeout,
            # A test server takes AUTH on plain connections, as apps configured
            # without TLS expect; starttls_required is the switch for the strict case.
            # (It also sidesteps aiosmtpd's trap of never offering AUTH on an
            # implicit-TLS socket, which it does not recognise as TLS.)
            auth_require_tls=False,
            authenticator=handler.authenticate,
            loop=loop,
        )
        # Set after __init__: passing auth_required=True with auth_require_tls=False
        # makes aiosmtpd emit a warning on every connection, which -W error turns
        # into a failure in the user's test suite.
        self._auth_required = policy.auth_required
        self.implicit_tls = implicit_tls
        self.capture = handler
        self._connections = connections

    def _create_session(self) -> Session:
        return _Session(self.loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None:  # not the re-entry after STARTTLS
            self._connections.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._connections.discard(self)
        super().connection_lost(error)

    def abort(self) -> asyncio.Task[None] | None:
        """Drop the connection now (server shutdown); returns its handler task."""
        transport = self._original_transport or self.transport
        if transport is not None:
            transport.abort()  # type: ignore[attr-defined]
        return self._handler_coroutine

    @auth_mechanism("CRAM-MD5")
    async def auth_CRAM__MD5(self, _: Any, args: list[str]) -> AuthResult:  # noqa: N802
        """RFC 2195. aiosmtpd has only PLAIN and LOGIN built in."""
        if len(args) > 1:  # CRAM-MD5 has no initial response
            await self.push("501 5.5.2 CRAM-MD5 takes no initial response")
            return AuthResult(success=False, handled=True)
        challenge = f"<{secrets.randbelow(2**31)}.{int(time.time())}@{self.hostname}>".encode()
        response = await self.challenge_auth(challenge)
        if response is MISSING:
            return AuthResult(success=False, handled=True)
        assert isinstance(response, bytes)
        user, _, digest = response.rpartition(b" ")
        if not user or not digest:
            await self.push("501 5.5.2 CRAM-MD5 response is 'user digest'")
            return AuthResult(success=False, handled=True)
        login = user.decode("utf-8", "replace")
        password = self.capture.store.password_of(login)
        if password is None:
            ok = self.capture.store.check_login(login, "")
        else:
            expected = hmac.new(password.encode(), challenge, "md5").hexdigest().encode()
            ok = hmac.compare_digest(expected, digest.lower())
        if not ok:
            log.info("AUTH CRAM-MD5 refused for %r", login)
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=LoginPassword(user, b""))
