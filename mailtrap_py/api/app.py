"""The FastAPI application: one router per concept, state in `app.state.mailtrap`."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from mailtrap_py.__about__ import __version__
from mailtrap_py.api import API_PREFIX
from mailtrap_py.faults import FaultError, FaultSet
from mailtrap_py.query import CriteriaError
from mailtrap_py.store import Store


class StopSignal:
    """Set once, when the server stops; awaitable from any event loop.

    Not an `asyncio.Event`: that binds to the first loop that waits on it, and an
    app made by `create_app` may serve on several (a test client can run each
    request on a loop of its own), where a wait on another loop's Event fails.
    """

    def __init__(self) -> None:
        self._set = False
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        """Wake every waiter, on whichever loop it waits (callable from any thread)."""
        with self._lock:
            self._set = True
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_resolve, future)

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = (loop, future)
        with self._lock:
            if self._set:
                return
            self._waiters.append(waiter)
        try:
            await future
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(waiter)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass
class ApiContext:
    """What the routes need from the server, without importing the server."""

    store: Store
    host: str = "127.0.0.1"
    ports: Callable[[], dict[str, int]] = dict
    max_message_size: int | None = None
    faults: FaultSet = field(default_factory=FaultSet)
    # Set when the server stops: long polls and event streams end at once instead
    # of holding the shutdown up.
    stopping: StopSignal = field(default_factory=StopSignal)


def create_app(context: ApiContext) -> FastAPI:
    from mailtrap_py.api import accounts, events, faults, messages, system, web

    app = FastAPI(
        title="mailtrap-py",
        version=__version__,
        description=(
            "Inspect the mail a mailtrap-py server captured: list, search, fetch raw "
            "or parsed, wait for a message, follow events, manage accounts, inject faults."
        ),
    )
    app.state.mailtrap = context
    api_modules = (messages, events, accounts, faults, system)
    for module in api_modules:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(web.router)  # the web page, at `/`

    @app.exception_handler(CriteriaError)
    async def bad_query(request: Request, error: CriteriaError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    # RFC 9110 section 15.5.6: a 405 lists every method the resource supports.
    # FastAPI makes a route per method (GET and DELETE on /messages are two), and
    # Starlette's 405 names only those of the one route it tried: keep a table.
    methods_by_path = [
        (compile_path(prefix + route.path)[0], frozenset(route.methods or ()))
        for prefix, module in [*((API_PREFIX, m) for m in api_modules), ("", web)]
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 405:
            path = request.scope["path"]
            allowed = {
                m for regex, methods in methods_by_path if regex.match(path) for m in methods
            }
            if allowed:
                headers = {**(error.headers or {}), "Allow": ", ".join(sorted(allowed))}
                return JSONResponse({"detail": error.detail}, status_code=405, headers=headers)
        return await http_exception_handler(request, error)

    @app.exception_handler(FaultError)
    async def bad_rule(request: Request, error: FaultError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    return app


def context_of(request: Request) -> ApiContext:
    ctx = request.app.state.mailtrap
    assert isinstance(ctx, ApiContext)
    return ctx
