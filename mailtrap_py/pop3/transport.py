"""The thin asyncio layer: moves bytes between a socket and a `Session`.

It adds only what needs a clock or a socket: the idle timeout, the STLS upgrade
(`loop.start_tls`), and closing after QUIT. Every protocol decision is the session's.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import cast

from mailtrap_py.pop3.session import MaildropLocks, Session
from mailtrap_py.smtp.handler import format_peer
from mailtrap_py.store import Store

log = logging.getLogger("mailtrap_py.pop3")

# RFC 1939 section 3: an inactivity autologout timer must be at least 10 minutes.
# Dovecot has no shorter one either. Tests configure a tiny one to see it fire.
DEFAULT_IDLE_TIMEOUT = 600.0


class POP3Protocol(asyncio.Protocol):
    """One POP3 connection."""

    def __init__(
        self,
        store: Store,
        locks: MaildropLocks,
        *,
        hostname: str,
        tls_context: ssl.SSLContext | None,
        implicit_tls: bool,
        idle_timeout: float,
        connections: set[POP3Protocol],
    ) -> None:
        self.store = store
        self.locks = locks
        self.hostname = hostname
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.idle_timeout = idle_timeout
        self.connections = connections
        self.transport: asyncio.Transport | None = None
        self.session: Session | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_activity = 0.0
        self._tls_task: asyncio.Task[None] | None = None
        # Data the TLS layer decrypted before `_start_tls` resumed (see there).
        self._early: list[bytes] = []

    # -- asyncio callbacks -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.connections.add(self)
        peer = format_peer(transport.get_extra_info("peername")) or "-"
        self.session = Session(
            self.store,
            self.locks,
            hostname=self.hostname,
            tls_available=self.tls_context is not None and not self.implicit_tls,
            tls_active=self.implicit_tls,
            peer=peer,
        )
        log.debug("%s: connected%s", peer, " (TLS)" if self.implicit_tls else "")
        self.transport.write(self.session.greeting())
        self._restart_timer()

    def data_received(self, data: bytes) -> None:
        session, transport = self.session, self.transport
        if session is None or transport is None:
            return
        if self._tls_task is not None:
            # Reading was paused at STLS, so this came through the TLS layer: the
            # handshake is done but `_start_tls` has not resumed yet. Keep it.
            self._early.append(data)
            return
        self._restart_timer()
        responses = session.receive_data(data)
        if responses:
            transport.write(b"".join(responses))
        if session.closed:
            self._close()
        elif session.starttls_pending and self._tls_task is None:
            transport.pause_reading()
            self._tls_task = asyncio.get_running_loop().create_task(self._start_tls())

    def pause_writing(self) -> None:
        # The client is not reading what we send (say, a thousand pipelined RETRs).
        # Stop reading its commands until the buffer drains, so one connection
        # cannot make the server hold an unbounded amount of response data.
        if self.transport is not None and self._tls_task is None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        session = self.session
        if (
            self.transport is not None
            and self._tls_task is None
            and session is not None
            and not session.closed
            and not session.starttls_pending
        ):
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.session is not None:
            self.session.connection_lost()
        self.transport = None

    # -- what the service calls ----------------------------------------------------

    def abort(self) -> asyncio.Task[None] | None:
        """Drop the connection now (server shutdown); returns a pending STLS task."""
        if self.transport is not None:
            self.transport.abort()
        task = self._tls_task
        if task is not None and not task.done():
            task.cancel()
            return task
        return None

    # -- internals -------------------------------------------------------------------

    async def _start_tls(self) -> None:
        # RFC 2595 section 4: the +OK was written; now the TLS handshake.
        transport, session = self.transport, self.session
        assert transport is not None and session is not None and self.tls_context is not None
        loop = asyncio.get_running_loop()
        try:
            new_transport = await loop.start_tls(
                transport, self, self.tls_context, server_side=True
            )
        except (OSError, ConnectionError, asyncio.TimeoutError) as error:
            # A client that gave up or could not verify us: its problem, told briefly.
            log.warning("%s: STLS handshake failed: %r", session.peer, error)
            transport.abort()
            return
        finally:
            self._tls_task = None
        if new_transport is None:  # pragma: no cover - closed during the handshake
            transport.abort()
            return
        self.transport = new_transport
        session.tls_started()
        # asyncio's TLS layer may hand over the client's first encrypted command
        # (sent right after its Finished message) before this coroutine resumes.
        early, self._early = b"".join(self._early), []
        if early:
            self.data_received(early)
        else:
            self._restart_timer()

    def _restart_timer(self) -> None:
        # Called for every chunk read: only note the time. A timer is armed once
        # and, when it fires early, re-armed for the rest (cancelling and making a
        # TimerHandle per command is a measurable share of a RETR's cost).
        loop = asyncio.get_running_loop()
        self._last_activity = loop.time()
        if self._timer is None:
            self._timer = loop.call_at(self._last_activity + self.idle_timeout, self._idle)

    def _idle(self) -> None:
        self._timer = None
        if self.session is None or self.transport is None:
            return
        loop = asyncio.get_running_loop()
        deadline = self._last_activity + self.idle_timeout
        if loop.time() < deadline:
            self._timer = loop.call_at(deadline, self._idle)
            return
        log.info("%s: idle for %gs, disconnecting", self.session.peer, self.idle_timeout)
        self.transport.write(self.session.timed_out())
        self._close()

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.transport is not None:
            self.transport.close()
