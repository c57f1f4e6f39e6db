"""uvicorn serving the API on the MailServer's loop, started and stopped like SMTP.

uvicorn's `Server.serve()` installs signal handlers and polls for exit every 0.1 s;
its `startup()` calls `sys.exit` when a port is taken; its `shutdown()` sleeps a
fixed 0.1 s. None of that suits a library server that starts per test, so this
binds the socket itself and runs uvicorn's HTTP protocol with a shutdown of its own.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import uvicorn

from mailtrap_py.api.app import ApiContext, StopSignal, create_app
from mailtrap_py.listening import close_listener, settle

log = logging.getLogger("mailtrap_py.api")

# Seconds stop() lets in-flight requests finish before cancelling them.
_STOP_GRACE = 2


class HTTPService:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.app = create_app(context)
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._listener: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            access_log=False,
            log_config=None,  # never reconfigure the host application's logging
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=_STOP_GRACE,
        )
        config.load()
        server = uvicorn.Server(config)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # proto=IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on
        # accepted sockets whose proto says TCP. Without it, Nagle's algorithm holds
        # a response's body behind its headers until the client's delayed ACK:
        # 40 ms added to every request on Linux.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(128)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise

        def protocol() -> Any:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=server.server_state, app_state={}
            )

        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(protocol, sock=sock)
        self._server = server
        # A new signal per start: one set by the last stop would end every wait.
        self.context.stopping = StopSignal()
        self.port = int(sock.getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._listener is None or self._server is None:
            return
        listener, server = self._listener, self._server
        self._listener = self._server = None
        # Long polls and event streams return now, so their responses complete.
        self.context.stopping.set()
        await close_listener(listener)
        state = server.server_state
        for connection in list(state.connections):
            connection.shutdown()  # idle keep-alive: close; busy: close after response
        if state.tasks:
            _done, pending = await asyncio.wait(set(state.tasks), timeout=_STOP_GRACE)
            for task in pending:
                log.warning("HTTP request still running at stop; cancelling: %r", task)
                task.cancel()
        for connection in list(state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None and not transport.is_closing():
                transport.abort()
        await settle()
        await listener.wait_closed()
