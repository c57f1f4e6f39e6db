"""Health and info: is it up, where does it listen, how much does it hold."""

from __future__ import annotations

from fastapi import APIRouter, Request

from mailtrap_py.__about__ import __version__
from mailtrap_py.api.app import context_of
from mailtrap_py.api.schemas import Health, Info

router = APIRouter(tags=["system"])


@router.get("/health")
async def health(request: Request) -> Health:
    """Answers 200 once every service listens (liveness and readiness in one)."""
    return Health(status="ok", services=context_of(request).ports())


@router.get("/info")
async def info(request: Request) -> Info:
    ctx = context_of(request)
    store = ctx.store
    messages = store.messages
    return Info(
        version=__version__,
        host=ctx.host,
        ports=ctx.ports(),
        messages=len(messages),
        unread=sum(1 for m in messages if not m.read),
        accounts=len(store.accounts),
        strict=store.strict,
    )
