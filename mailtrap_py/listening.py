"""Listening sockets: opening them and stopping them cleanly, for every service.

`ConnectionService` is the part the SMTP, POP3 and IMAP services share: one
listening socket, the connections it accepted, and a stop that drops them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from ssl import SSLContext
from typing import Generic, Protocol, TypeVar

log = logging.getLogger("mailtrap_py.server")

# Loop iterations to let pass so queued connection callbacks can run.
SETTLE_ROUNDS = 3
# How long a stopping service waits for its connections' tasks to unwind.
STOP_GRACE = 5.0


async def listen(
    protocol_factory: Callable[[], asyncio.BaseProtocol],
    host: str,
    port: int,
    ssl: SSLContext | None,
) -> tuple[asyncio.Server, int]:
    """Listen on host:port (0 picks a free port, readable from the second value)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol_factory, host, port, ssl=ssl, reuse_address=True)
    return server, int(server.sockets[0].getsockname()[1])


async def settle() -> None:
    """Let callbacks already queued on the loop run (connection set-up, socket close)."""
    for _ in range(SETTLE_ROUNDS):
        await asyncio.sleep(0)


async def close_listener(server: asyncio.Server) -> None:
    """Stop accepting, let connections already accepted finish their set-up, close.

    Closing first races with asyncio's accept task on Python < 3.12: the task builds
    its transport after close() and fails an assertion in Server._attach, leaving a
    socket nobody closes (a ResourceWarning in about half of quick start/stop runs).
    """
    loop = asyncio.get_running_loop()
    for sock in server.sockets:
        loop.remove_reader(sock.fileno())
    await settle()
    server.close()


async def finish(tasks: Iterable[asyncio.Task[object]], what: str) -> None:
    """Wait for aborted connections' tasks; name any that ignore cancellation."""
    pending_tasks = set(tasks)
    if not pending_tasks:
        return
    _done, pending = await asyncio.wait(pending_tasks, timeout=STOP_GRACE)
    for task in pending:  # pragma: no cover - a task ignoring cancellation
        log.warning("%s connection task did not stop: %r", what, task)


class Connection(Protocol):
    def abort(self) -> list[asyncio.Task[None]]:
        """Drop the connection now; return its tasks still running, cancelled."""
        ...


C = TypeVar("C", bound=Connection)


class ConnectionService(Generic[C]):
    """One listening socket (plain, or implicit TLS) on the running loop.

    A subclass says how to make a connection (`make_protocol`, which adds it to
    `connections`) and names itself for the log.
    """

    name = "service"

    def __init__(self, *, tls_context: SSLContext | None, implicit_tls: bool) -> None:
        if implicit_tls and tls_context is None:
            raise ValueError("implicit TLS needs a TLS context")
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.connections: set[C] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    def make_protocol(self) -> asyncio.BaseProtocol:
        raise NotImplementedError

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 picks a free port); returns the bound port."""
        self._server, self.port = await listen(
            self.make_protocol, host, port, self.tls_context if self.implicit_tls else None
        )
        return self.port

    async def stop(self) -> None:
        """Stop listening, drop open connections, and wait for what they left running."""
        if self._server is None:
            return
        await close_listener(self._server)
        await finish([t for c in list(self.connections) for t in c.abort()], self.name)
        await settle()  # aborted transports close their sockets in queued callbacks
        await self._server.wait_closed()
        self._server = None
