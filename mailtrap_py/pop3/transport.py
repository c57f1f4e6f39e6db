"""The thin asyncio layer: moves bytes between a socket and a `Session`.

It adds only what needs a clock or a socket: the idle timeout, the STLS upgrade
(`loop.start_tls`), closing after QUIT, and the fault rules (docs/faults.md). Every
protocol decision is the session's.

Fault rules are consulted here, not in the session: at `connect` and `greeting`,
and before each command line is handed to the session (the stage is the command
name). While the server has rules, or a rule throttled this connection, the lines
go through a task (`_work`) that can wait: commands are still answered one at a
time and in order, and reading pauses until the task has answered what it holds.
With no rules, the bytes go straight to the session as before.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from typing import cast

from mailtrap_py.faults import CONNECT, GREETING, Action, FaultSet, Throttle
from mailtrap_py.inactivity import InactivityTimer
from mailtrap_py.pop3.parser import Command, OverlongLine
from mailtrap_py.pop3.session import CRLF, MaildropLocks, Session
from mailtrap_py.pop3.states import State
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
        faults: FaultSet | None = None,
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
        self._timer = InactivityTimer(
            idle_timeout, self._idle, busy=lambda: self._worker is not None
        )
        self._tls_task: asyncio.Task[None] | None = None
        # Data the TLS layer decrypted before `_start_tls` resumed (see there).
        self._early: list[bytes] = []
        self.faults = faults if faults is not None else FaultSet()
        # Lines waiting for `_work`, the task that answers them while fault rules
        # are in play; `_throttle` paces responses once a throttle rule fired.
        self._lines: deque[bytes | OverlongLine] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._throttle: Throttle | None = None
        self._writing_paused = False

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
        self._timer.touch()
        if len(self.faults):
            self.transport.pause_reading()
            self._worker = asyncio.get_running_loop().create_task(self._work(greet=True))
        else:
            self.transport.write(self.session.greeting())

    def data_received(self, data: bytes) -> None:
        session, transport = self.session, self.transport
        if session is None or transport is None:
            return
        if self._tls_task is not None:
            # Reading was paused at STLS, so this came through the TLS layer: the
            # handshake is done but `_start_tls` has not resumed yet. Keep it.
            self._early.append(data)
            return
        self._timer.touch()
        if self._worker is not None or self._throttle is not None or len(self.faults):
            self._lines.extend(session.split_lines(data))
            if self._worker is None and self._lines:
                transport.pause_reading()
                self._worker = asyncio.get_running_loop().create_task(self._work())
            return
        responses = session.receive_data(data)
        if responses:
            transport.write(b"".join(responses))
        self._after_responses()

    def _after_responses(self) -> None:
        """Close after QUIT, start TLS after STLS."""
        session, transport = self.session, self.transport
        if session is None or transport is None:
            return
        if session.closed:
            self._close()
        elif session.starttls_pending and self._tls_task is None:
            transport.pause_reading()
            self._tls_task = asyncio.get_running_loop().create_task(self._start_tls())

    def pause_writing(self) -> None:
        # The client is not reading what we send (say, a thousand pipelined RETRs).
        # Stop reading its commands until the buffer drains, so one connection
        # cannot make the server hold an unbounded amount of response data.
        self._writing_paused = True
        if self.transport is not None and self._tls_task is None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self._writing_paused = False
        session = self.session
        if (
            self.transport is not None
            and self._tls_task is None
            and self._worker is None
            and session is not None
            and not session.closed
            and not session.starttls_pending
        ):
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        self._timer.cancel()
        if self._worker is not None:
            self._worker.cancel()
        self._lines.clear()
        if self.session is not None:
            self.session.connection_lost()
        self.transport = None

    # -- what the service calls ----------------------------------------------------

    def abort(self) -> list[asyncio.Task[None]]:
        """Drop the connection now (server shutdown); returns its pending tasks
        (STLS, fault rules), cancelled."""
        if self.transport is not None:
            self.transport.abort()
        pending = []
        for task in (self._tls_task, self._worker):
            if task is not None and not task.done():
                task.cancel()
                pending.append(task)
        return pending

    # -- fault rules -------------------------------------------------------------------

    async def _work(self, *, greet: bool = False) -> None:
        """Answer the queued lines one by one, consulting the fault rules first."""
        session = self.session
        assert session is not None
        try:
            if greet:
                for stage in (CONNECT, GREETING):
                    action = self.faults.decide("pop3", stage, peer=session.peer)
                    if action is not None and await self._apply(action, None):
                        # A reply instead of the greeting: say it and hang up.
                        self._hang_up()
                        return
                    if self.transport is None or self.transport.is_closing():
                        return
                await self._send(session.greeting())
            while self._lines:
                line = self._lines.popleft()
                command = session.peek_command(line)
                if command is not None:
                    action = self.faults.decide(
                        "pop3", command.name, user=self._user(command), peer=session.peer
                    )
                    if action is not None and await self._apply(action, command):
                        continue
                    if self.transport is None or self.transport.is_closing():
                        return  # hung up
                await self._send(session.receive_line(line))
                self._timer.touch()
                if session.closed or session.starttls_pending:
                    session.drop_input(len(self._lines))
                    self._lines.clear()
                    break
        finally:
            self._worker = None
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self._after_responses()
        if (
            not session.closed
            and not session.starttls_pending
            and not self._writing_paused
            and not transport.is_reading()
        ):
            transport.resume_reading()

    async def _apply(self, action: Action, command: Command | None) -> bool:
        """Throttle, wait, hang up or answer -ERR as `action` says; True if the
        command is answered (it is then not handed to the session)."""
        session = self.session
        assert session is not None
        if action.throttle is not None:
            self._throttle = Throttle(action.throttle)
        await action.pause()
        if action.disconnect:
            self._hang_up()
            return False
        if action.code is None:
            return False
        if command is not None:
            session.answered_elsewhere(command)
        log.info("%s: %s (fault)", session.peer, action.reply_line())
        await self._send(action.reply_line().encode("utf-8") + CRLF)
        return True

    def _user(self, command: Command) -> str | None:
        """The user name a rule's match pattern is tested against at `command`:
        the logged-in user, else the name USER or APOP gives, else the one a
        USER before this PASS gave. (AUTH carries it inside the SASL exchange,
        after the command: none there.)"""
        session = self.session
        assert session is not None
        if session.state is not State.AUTHORIZATION:
            return session.user
        if command.name == "USER":
            return command.argument.strip() or None
        if command.name == "APOP":
            return next(iter(command.arguments), None)
        return session.pending_user

    async def _send(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self._throttle is None:
            transport.write(data)
        else:
            await self._throttle.write(transport, data)

    def _hang_up(self) -> None:
        """Drop the connection on a fault rule's word. Nothing is expunged: the
        session sees a lost connection, as when the client hangs up."""
        self._lines.clear()
        if self.transport is not None and not self.transport.is_closing():
            log.info("%s: hanging up (fault)", self.session.peer if self.session else "-")
            self._close()

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
            self._timer.touch()

    def _idle(self) -> None:
        if self.session is None or self.transport is None:
            return
        log.info("%s: idle for %gs, disconnecting", self.session.peer, self.idle_timeout)
        self.transport.write(self.session.timed_out())
        self._close()

    def _close(self) -> None:
        self._timer.cancel()
        if self.transport is not None:
            self.transport.close()
