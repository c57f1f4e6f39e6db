"""The thin asyncio layer: moves bytes between a socket and a `Session`.

Each connection has one task (`_run`) that takes parser events in order and
writes the session's answers, so everything that has to wait waits in one place:
the client's next bytes, a full send buffer, the STARTTLS handshake, IDLE's
store notifications and fault rules' delays. `data_received` only feeds the
parser and wakes the task.

What needs a clock or a socket lives here: the autologout timer, TLS, closing after
LOGOUT, and the fault rules (consulted at `connect`, `greeting` and each command;
docs/faults.md). Every protocol decision is the session's.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import cast

from mailtrap_py.faults import CONNECT, GREETING, Action, FaultSet, Throttle
from mailtrap_py.imap.parser import Command, Parser
from mailtrap_py.imap.session import Session
from mailtrap_py.inactivity import InactivityTimer
from mailtrap_py.smtp.handler import format_peer
from mailtrap_py.store import Change, Store

log = logging.getLogger("mailtrap_py.imap")

# RFC 3501 section 5.4: an autologout timer must be at least 30 minutes.
DEFAULT_IDLE_TIMEOUT = 1800.0
# Stop reading from a client that sent this much the server has not parsed yet
# (pipelined commands while a big FETCH is being written).
_READ_AHEAD = 4 * 1024 * 1024


class IMAPProtocol(asyncio.Protocol):
    """One IMAP connection."""

    def __init__(
        self,
        store: Store,
        *,
        tls_context: ssl.SSLContext | None,
        implicit_tls: bool,
        idle_timeout: float,
        connections: set[IMAPProtocol],
        faults: FaultSet | None = None,
    ) -> None:
        self.store = store
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.idle_timeout = idle_timeout
        self.connections = connections
        self.faults = faults if faults is not None else FaultSet()
        self.transport: asyncio.Transport | None = None
        self.parser = Parser()
        self.session: Session | None = None
        self.peer = "-"
        self._wake = asyncio.Event()
        self._store_changed = False
        self._unsubscribe: object = None
        self._task: asyncio.Task[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._reading = True
        self._waiting_for_data = False
        self._throttle: Throttle | None = None
        self._timer = InactivityTimer(idle_timeout, self._idle)

    # -- asyncio callbacks -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.connections.add(self)
        self.peer = format_peer(transport.get_extra_info("peername")) or "-"
        self.session = Session(
            self.store,
            tls_available=self.tls_context is not None and not self.implicit_tls,
            tls_active=self.implicit_tls,
            peer=self.peer,
        )
        log.debug("%s: connected%s", self.peer, " (TLS)" if self.implicit_tls else "")
        self._timer.touch()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def data_received(self, data: bytes) -> None:
        self.parser.feed(data)
        self._timer.touch()
        if self.parser.buffered > _READ_AHEAD and not self._waiting_for_data:
            self._pause_reading()
        self._wake.set()

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost follows

    def pause_writing(self) -> None:
        # The client is not reading what we send: stop answering until it does.
        self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        self.transport = None
        self._stop_watching()
        self._timer.cancel()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.session is not None:
            self.session.connection_lost()
        log.debug("%s: disconnected", self.peer)

    # -- what the service calls ----------------------------------------------------------

    def abort(self) -> list[asyncio.Task[None]]:
        """Drop the connection now (server shutdown); returns its task, cancelled."""
        if self.transport is not None:
            if self.session is not None and not self.transport.is_closing():
                self.transport.write(self.session.shutting_down())
            self.transport.abort()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            return [task]
        return []

    # -- the connection's task -----------------------------------------------------------

    async def _run(self) -> None:
        session = self.session
        assert session is not None
        try:
            if not await self._greet(session):
                return
            while not session.closed:
                event = self.parser.next_event()
                if event is None:
                    await self._wait_for_input(session)
                    continue
                if isinstance(event, Command) and len(self.faults):
                    action = self.faults.decide(
                        "imap", event.name, user=session.user_for_faults(event), peer=self.peer
                    )
                    if action is not None and await self._apply(action, event.tag):
                        continue
                    if self.transport is None:
                        return
                response = session.handle(event)
                self.parser.mode = session.parser_mode
                if session.idling is not None:
                    self._watch_store()
                else:
                    self._stop_watching()
                await self._send(response)
                if session.starttls_pending and not await self._start_tls(session):
                    return
            self._close()
        except asyncio.CancelledError:
            raise
        except Exception:  # pragma: no cover - a bug must not go unnoticed
            log.exception("%s: connection failed", self.peer)
            self._close()

    async def _greet(self, session: Session) -> bool:
        if len(self.faults):
            for stage in (CONNECT, GREETING):
                action = self.faults.decide("imap", stage, peer=self.peer)
                if action is None:
                    continue
                if action.throttle is not None:
                    self._throttle = Throttle(action.throttle)
                await action.pause()
                if action.disconnect or action.code is not None:
                    if action.code is not None:
                        # RFC 3501 7.1.5: a server that will not talk says BYE.
                        await self._send(f"* BYE {action.text or 'Go away'}\r\n".encode())
                    log.info("%s: refused at %s (fault)", self.peer, stage)
                    self._close()
                    return False
                if self.transport is None:
                    return False
        await self._send(session.greeting())
        return self.transport is not None

    async def _wait_for_input(self, session: Session) -> None:
        """Wait for bytes (or, in IDLE, for the store to change)."""
        if not self._reading and self.transport is not None:
            self._reading = True
            self.transport.resume_reading()
        self._waiting_for_data = True
        try:
            await self._wake.wait()
        finally:
            self._waiting_for_data = False
        self._wake.clear()
        if self._store_changed:
            self._store_changed = False
            if session.idling is not None:
                await self._send(session.updates())

    async def _apply(self, action: Action, tag: str) -> bool:
        """Throttle, wait, hang up or answer as the rule says; True if answered."""
        if action.throttle is not None:
            self._throttle = Throttle(action.throttle)
        await action.pause()
        if action.disconnect:
            log.info("%s: hanging up (fault)", self.peer)
            self._close()
            return True
        if action.code is None:
            return False
        log.info("%s: %s (fault)", self.peer, action.reply_line(tag))
        await self._send(action.reply_line(tag).encode("utf-8") + b"\r\n")
        return True

    async def _send(self, data: bytes) -> None:
        transport = self.transport
        if not data or transport is None or transport.is_closing():
            return
        if self._throttle is not None:
            await self._throttle.write(transport, data)
        else:
            transport.write(data)
        if self._drained is not None:
            await self._drained

    async def _start_tls(self, session: Session) -> bool:
        """RFC 3501 6.2.1: after the OK, the handshake; what the client sent before
        it finished is dropped (it was sent in the clear: RFC 3207's rule)."""
        transport = self.transport
        assert transport is not None and self.tls_context is not None
        self.parser = Parser()
        loop = asyncio.get_running_loop()
        try:
            new_transport = await loop.start_tls(
                transport, self, self.tls_context, server_side=True
            )
        except (OSError, ConnectionError, asyncio.TimeoutError) as error:
            log.warning("%s: STARTTLS handshake failed: %r", self.peer, error)
            transport.abort()
            return False
        if new_transport is None:  # pragma: no cover - closed during the handshake
            transport.abort()
            return False
        self.transport = new_transport
        session.tls_started()
        return True

    # -- IDLE ----------------------------------------------------------------------------

    def _watch_store(self) -> None:
        if self._unsubscribe is not None:
            return
        loop = asyncio.get_running_loop()
        session = self.session

        def on_change(change: Change) -> None:
            # Runs in the changing thread with the store locked: only hand over,
            # and only what may concern this session's account (a delivery names
            # no account: it may).
            selected = session.selected if session is not None else None
            if change.account is not None and (
                selected is None or selected.account.address != change.account
            ):
                return
            loop.call_soon_threadsafe(self._changed)

        self._unsubscribe = self.store.subscribe(on_change)
        self._changed()  # anything that happened before we subscribed

    def _changed(self) -> None:
        self._store_changed = True
        self._wake.set()

    def _stop_watching(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if callable(unsubscribe):
            unsubscribe()

    # -- internals -------------------------------------------------------------------------

    def _pause_reading(self) -> None:
        if self._reading and self.transport is not None:
            self._reading = False
            self.transport.pause_reading()

    def _idle(self) -> None:
        if self.session is None or self.transport is None:
            return
        log.info("%s: idle for %gs, disconnecting", self.peer, self.idle_timeout)
        self.transport.write(self.session.timed_out())
        self._close()

    def _close(self) -> None:
        self._timer.cancel()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
