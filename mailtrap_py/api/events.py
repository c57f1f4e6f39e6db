"""Server-sent events: new, deleted and cleared, in the order they happened."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from mailtrap_py.api.app import context_of
from mailtrap_py.api.schemas import MessageSummary
from mailtrap_py.store import Change

router = APIRouter(tags=["events"])
log = logging.getLogger("mailtrap_py.api")

# A comment line this often keeps proxies and idle timers from closing the stream.
KEEPALIVE_SECONDS = 15.0
# A subscriber this far behind is not reading: drop it rather than buffer forever.
MAX_BACKLOG = 10_000


def _frame(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


_STREAMED = frozenset({"added", "deleted", "cleared"})


def _encode(change: Change) -> bytes | None:
    if change.kind == "added":
        [message] = change.messages
        return _frame("new", MessageSummary.of(message).model_dump(mode="json", by_alias=True))
    if change.kind == "deleted":
        return _frame("deleted", {"ids": [m.id for m in change.messages]})
    if change.kind == "cleared":
        return _frame("cleared", {})
    return None  # account changes are not part of this stream


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(request: Request) -> StreamingResponse:
    """`text/event-stream` of `new` (a message summary), `deleted` (`{"ids": [...]}`)
    and `cleared` events. The first event, `ready`, says the stream is subscribed."""
    ctx = context_of(request)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Change | None] = asyncio.Queue()

    def on_change(change: Change) -> None:
        # Called from whichever thread changed the store; only what the stream
        # sends crosses over (IMAP flag and folder changes are not its business).
        if change.kind in _STREAMED:
            loop.call_soon_threadsafe(queue.put_nowait, change)

    unsubscribe = ctx.store.subscribe(on_change)
    stopping = ctx.stopping

    async def stream() -> AsyncIterator[bytes]:
        waiting: set[asyncio.Future[Any]] = set()
        try:
            yield b"retry: 2000\n" + _frame("ready", {"messages": len(ctx.store)})
            while not stopping.is_set():
                if queue.qsize() > MAX_BACKLOG:
                    log.warning("events subscriber %s fell behind; closing", request.client)
                    return
                getter = asyncio.ensure_future(queue.get())
                stopper = asyncio.ensure_future(stopping.wait())
                waiting = {getter, stopper}
                done, _ = await asyncio.wait(
                    waiting,
                    timeout=KEEPALIVE_SECONDS,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                stopper.cancel()
                if getter not in done:
                    getter.cancel()
                    if not stopping.is_set():
                        yield b": keepalive\n\n"
                    continue
                change = getter.result()
                frame = _encode(change) if change is not None else None
                if frame is not None:
                    yield frame
        finally:
            # The client went away (a browser tab closed) while this waited: without
            # this, the pending get and wait are destroyed with the loop, logged as
            # "Task was destroyed but it is pending".
            for future in waiting:
                future.cancel()
            unsubscribe()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
