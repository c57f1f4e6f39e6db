"""aiosmtpd's `SMTP` protocol with the fixes and additions mailtrap-py needs.

Subclassed, not copied: each override below says what aiosmtpd lacks or gets wrong
for a test server.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, AnyStr

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword, Session, auth_mechanism

from mailtrap_py.__about__ import __version__
from mailtrap_py.faults import CONNECT, GREETING, Action, Throttle
from mailtrap_py.smtp.handler import CaptureHandler, format_peer
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
            authenticator=handler.authenticate,  # type: ignore[arg-type]  # an SMTPProtocol
            loop=loop,
        )
        # Set after __init__: passing auth_required=True with auth_require_tls=False
        # makes aiosmtpd emit a warning on every connection, which -W error turns
        # into a failure in the user's test suite.
        self._auth_required = policy.auth_required
        self.implicit_tls = implicit_tls
        self.capture = handler
        self.faults = handler.faults
        self._connections = connections
        self._throttle: Throttle | None = None
        # A fault decided where aiosmtpd gives no await point (the authenticator):
        # applied by the next push, to the reply it was going to send.
        self._pending_fault: Action | None = None
        # Fault rules at the command level, for every command whose handler hook
        # cannot see them: MAIL, RCPT and DATA consult them in the handler (they
        # know the addresses, and DATA has read the message), AUTH in the
        # authenticator (it knows the user).
        for name, method in list(self._smtp_methods.items()):
            if name not in ("MAIL", "RCPT", "DATA", "AUTH"):
                self._smtp_methods[name] = self._with_faults(name, method)

    def _create_session(self) -> Session:
        return _Session(self.loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None:  # not the re-entry after STARTTLS
            self._connections.add(self)
        super().connection_made(transport)

    # -- fault injection --------------------------------------------------------

    def _with_faults(
        self, name: str, method: Callable[[str | None], Awaitable[None]]
    ) -> Callable[[str | None], Awaitable[None]]:
        @functools.wraps(method)  # keeps the docstring and syntax HELP shows
        async def command(arg: str | None) -> None:
            refusal = await self.fault(name)
            if refusal is not None:
                await self.push(refusal)
                return
            await method(arg)

        return command

    async def fault(
        self, stage: str, *, address: str | None = None, addresses: list[str] | None = None
    ) -> str | None:
        """Apply the fault rules for `stage`: throttle and delay as they say, hang
        up (this coroutine then ends cancelled), or return the reply to send
        instead of the normal one. None: go on as normal."""
        # A pattern matches the addresses of MAIL, RCPT and DATA; at any other
        # command, the logged-in user (if any).
        user = None if address is not None or addresses else self._login()
        action = self.faults.decide(
            "smtp",
            stage,
            address=address,
            addresses=addresses or (),
            user=user,
            peer=format_peer(self.session.peer if self.session else None),
        )
        if action is None:
            return None
        return await self._apply(action)

    def fault_at_auth(self, user: str) -> bool:
        """The AUTH stage, from the (synchronous) authenticator: True if a rule
        refuses the login; its reply or hang-up happens at the next push."""
        action = self.faults.decide(
            "smtp",
            "AUTH",
            user=user,
            peer=format_peer(self.session.peer if self.session else None),
        )
        if action is None:
            return False
        self._pending_fault = action
        return action.ends

    def _login(self) -> str | None:
        data = self.session.auth_data if self.session is not None else None
        if isinstance(data, LoginPassword):
            return data.login.decode("utf-8", "replace")
        return None

    async def _apply(self, action: Action) -> str | None:
        if action.throttle is not None:
            self._throttle = Throttle(action.throttle)
        await action.pause()
        if action.disconnect:
            await self._hang_up()
        if action.code is None:
            return None
        reply = action.reply_line()
        if action.code == 421:
            # RFC 5321 section 3.8: 421 means the server is closing the channel.
            await self._write(reply)
            await self._hang_up()
        return reply

    async def _hang_up(self) -> None:
        """Close the connection and wait for connection_lost to cancel this task."""
        transport = self.transport
        if transport is not None:
            peer = self.session.peer if self.session is not None else None
            log.info("%s: hanging up (fault)", format_peer(peer))
            transport.close()
        await self.loop.create_future()  # never set: the cancellation ends the wait

    async def _handle_client(self) -> None:
        # The stages before the first command: `connect` as the client arrives,
        # `greeting` as the 220 is about to go out. A reply there replaces the
        # greeting (RFC 5321 section 3.1: 554 instead of 220), then the server
        # hangs up.
        for stage in (CONNECT, GREETING):
            refusal = await self.fault(stage)
            if refusal is not None:
                await self._write(refusal)
                await self._hang_up()
        await super()._handle_client()

    async def push(self, status: AnyStr) -> None:
        action, self._pending_fault = self._pending_fault, None
        if action is not None:
            reply = await self._apply(action)
            if reply is not None:
                status = reply  # type: ignore[assignment]
        if self._throttle is None:
            await super().push(status)
        else:
            await self._write(status)

    async def _write(self, status: str | bytes) -> None:
        """One reply line, at the throttled pace if a rule set one."""
        line = status.encode("utf-8") if isinstance(status, str) else status
        if self._throttle is None or self.transport is None:
            await super().push(line)
            return
        await self._throttle.write(self.transport, line + b"\r\n")  # type: ignore[arg-type]
        await self._writer.drain()

    def data_received(self, data: bytes) -> None:
        if self._throttle is None or self.transport is None:
            super().data_received(data)
        else:  # no faster than the throttle allows
            self._throttle.read(self.transport, data, super().data_received, self.loop)

    def connection_lost(self, error: Exception | None) -> None:
        self._connections.discard(self)
        super().connection_lost(error)

    def abort(self) -> list[asyncio.Task[None]]:
        """Drop the connection now (server shutdown); returns its handler task."""
        transport = self._original_transport or self.transport
        if transport is not None:
            transport.abort()  # type: ignore[attr-defined]
        task = self._handler_coroutine
        return [] if task is None else [task]

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
        if self.fault_at_auth(login):
            return AuthResult(success=False, handled=False)
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
