"""Stopping a listening socket cleanly: shared by the SMTP, POP3 and HTTP services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from ssl import SSLContext

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
