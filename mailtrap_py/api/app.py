"""The FastAPI application: one router per concept, state in `app.state.mailtrap`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mailtrap_py.__about__ import __version__
from mailtrap_py.faults import FaultError, FaultSet
from mailtrap_py.query import CriteriaError
from mailtrap_py.store import Store

API_PREFIX = "/api/v1"


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
    stopping: asyncio.Event = field(default_factory=asyncio.Event)


def create_app(context: ApiContext) -> FastAPI:
    from mailtrap_py.api import accounts, events, faults, messages, system

    app = FastAPI(
        title="mailtrap-py",
        version=__version__,
        description=(
            "Inspect the mail a mailtrap-py server captured: list, search, fetch raw "
            "or parsed, wait for a message, follow events, manage accounts, inject faults."
        ),
    )
    app.state.mailtrap = context
    for module in (messages, events, accounts, faults, system):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.exception_handler(CriteriaError)
    async def bad_query(request: Request, error: CriteriaError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(FaultError)
    async def bad_rule(request: Request, error: FaultError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    return app


def context_of(request: Request) -> ApiContext:
    ctx = request.app.state.mailtrap
    assert isinstance(ctx, ApiContext)
    return ctx
