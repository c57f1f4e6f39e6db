"""Messages: list and search, fetch (parsed, raw, bodies, parts), delete, inject, wait."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime
from email.utils import getaddresses
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from mailtrap_py.api import API_PREFIX
from mailtrap_py.api.app import context_of
from mailtrap_py.api.schemas import Deleted, ErrorOut, MessageDetail, MessageList, MessageSummary
from mailtrap_py.message import Message
from mailtrap_py.query import Criteria, Term

router = APIRouter(tags=["messages"])

# Every route is `async def`, so it runs on the server's loop: a plain `def` route
# would run in a worker thread pool whose threads outlive a stopped MailServer.


# Listing more than this per page is a sign of a loop that should page instead.
MAX_PAGE = 1000
# A long poll longer than this is better done as several.
MAX_WAIT = 300.0

# Captured HTML is the least trusted content there is. Served on its own, it runs in
# a sandbox (no script, no same-origin, no forms) and may load nothing from
# anywhere: images only inline (data:), styles only inline; a <base> cannot point
# its relative URLs elsewhere. The `inline_images` and `remote_images` parameters
# widen img-src only. Mailpit and MailHog both shipped XSS through exactly this route.
HTML_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)

Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: {"model": ErrorOut, "description": "No message with that id."}}
BAD_QUERY: Responses = {400: {"model": ErrorOut, "description": "The query does not parse."}}

QueryText = Annotated[
    str,
    Query(
        max_length=2000,
        description='Search terms, e.g. `to:ann@example.com subject:"Welcome" -is:read`.',
    ),
]


def _criteria(query: str) -> Criteria:
    return Criteria.parse(query) if query.strip() else Criteria()


def _get(request: Request, message_id: str) -> Message:
    message = context_of(request).store.get(message_id)
    if message is None:
        raise HTTPException(404, f"no message with id {message_id!r}")
    return message


@router.get("/messages", responses=BAD_QUERY)
async def list_messages(
    request: Request,
    query: QueryText = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MessageList:
    """Summaries, newest first, of the messages matching `query` (all if empty)."""
    criteria = _criteria(query)
    store = context_of(request).store
    matching = await store.search_async(criteria) if criteria else store.messages
    matching.reverse()
    page = matching[offset : offset + limit]
    return MessageList(
        total=len(matching),
        unread=len(matching) - sum([m.read for m in matching]),
        count=len(page),
        offset=offset,
        messages=[MessageSummary.of(m) for m in page],
    )


@router.get("/messages/{message_id}", responses=NOT_FOUND)
async def get_message(request: Request, message_id: str) -> MessageDetail:
    """The parsed message. Fetching it marks it read, as opening it in a client would."""
    message = _get(request, message_id)
    message.read = True
    return MessageDetail.of_message(message, API_PREFIX)


@router.get(
    "/messages/{message_id}/raw",
    responses={**NOT_FOUND, 200: {"content": {"message/rfc822": {}}}},
    response_class=Response,
)
async def get_raw(request: Request, message_id: str) -> Response:
    """The exact bytes received after DATA."""
    message = _get(request, message_id)
    return Response(
        message.raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{message.id}.eml"'},
    )


@router.get(
    "/messages/{message_id}/html",
    responses={**NOT_FOUND, 200: {"content": {"text/html": {}}}},
    response_class=Response,
)
async def get_html(
    request: Request,
    message_id: str,
    inline_images: Annotated[
        bool,
        Query(
            description="Point `cid:` references at this message's parts, and let the "
            "HTML load exactly those (what the web page shows)."
        ),
    ] = False,
    remote_images: Annotated[
        bool, Query(description="Let the HTML load images over https (trackers too).")
    ] = False,
) -> Response:
    """The HTML body, served sandboxed: it cannot run script, and loads nothing but
    what the parameters allow (never script, frames, forms or remote styles)."""
    message = _get(request, message_id)
    html = message.html
    if html is None:
        raise HTTPException(404, f"message {message_id!r} has no HTML body")
    csp = HTML_CSP
    if inline_images or remote_images:
        sources = ["data:"]
        if inline_images:
            parts = f"{API_PREFIX}/messages/{message.id}/parts/"
            html = _point_cids_at_parts(html, message, parts)
            sources.append(f"{str(request.base_url).rstrip('/')}{parts}")
        if remote_images:
            sources.append("https:")
        csp = HTML_CSP.replace("img-src data:", "img-src " + " ".join(sources))
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


# `cid:` URLs (RFC 2392) as they appear in src="...", url(...) and the like.
_CID_URL = re.compile(r"\bcid:([^\s\"'<>()]+)", re.IGNORECASE)


def _point_cids_at_parts(html: str, message: Message, parts_url: str) -> str:
    """`html` with each `cid:` reference to one of the message's parts replaced by
    that part's download URL; references to nothing known are left as they are."""
    from urllib.parse import unquote

    by_cid = {a.content_id.lower(): a.part for a in message.attachments if a.content_id is not None}

    def replace(match: re.Match[str]) -> str:
        part = by_cid.get(unquote(match.group(1)).strip("<>").lower())
        return match.group(0) if part is None else parts_url + part

    return _CID_URL.sub(replace, html) if by_cid else html


@router.get(
    "/messages/{message_id}/text",
    responses={**NOT_FOUND, 200: {"content": {"text/plain": {}}}},
    response_class=Response,
)
async def get_text(request: Request, message_id: str) -> Response:
    """The plain-text body."""
    message = _get(request, message_id)
    if message.text is None:
        raise HTTPException(404, f"message {message_id!r} has no text body")
    return Response(message.text, media_type="text/plain; charset=utf-8")


@router.get(
    "/messages/{message_id}/parts/{part}",
    responses={
        **NOT_FOUND,
        200: {
            "description": "The decoded content, served as the part's own type.",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
    },
    response_class=Response,
)
async def get_part(request: Request, message_id: str, part: str) -> Response:
    """One attachment or inline part, decoded, with its type and file name."""
    message = _get(request, message_id)
    for attachment in message.attachments:
        if attachment.part == part:
            filename = attachment.filename or f"part-{part}"
            return Response(
                attachment.content,
                media_type=_media_type(attachment.content_type),
                headers={
                    "Content-Disposition": f'attachment; filename="{_ascii(filename)}"; '
                    f"filename*=UTF-8''{_quote(filename)}",
                    "X-Content-Type-Options": "nosniff",
                    "Content-Security-Policy": "sandbox",
                },
            )
    raise HTTPException(404, f"message {message_id!r} has no part {part!r}")


@router.delete("/messages/{message_id}", status_code=204, responses=NOT_FOUND)
async def delete_message(request: Request, message_id: str) -> None:
    """Delete one message, from the capture log and from every mailbox."""
    if not context_of(request).store.delete([message_id]):
        raise HTTPException(404, f"no message with id {message_id!r}")


@router.delete("/messages", responses=BAD_QUERY)
async def delete_messages(request: Request, query: QueryText = "") -> Deleted:
    """Delete every message, or those matching `query`."""
    store = context_of(request).store
    if not query.strip():
        count = len(store)
        store.clear()
        return Deleted(deleted=count)
    doomed = await store.search_async(_criteria(query))
    return Deleted(deleted=len(store.delete(m.id for m in doomed)))


@router.post(
    "/messages",
    status_code=201,
    responses={413: {"model": ErrorOut, "description": "Larger than the size limit."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def inject_message(
    request: Request,
    to: Annotated[list[str] | None, Query(description="Envelope recipients.")] = None,
    sender: Annotated[str, Query(max_length=320)] = "",
) -> MessageSummary:
    """Capture a raw message as if it came over SMTP (envelope from the query, or
    the To/Cc/Bcc headers when `to` is not given)."""
    ctx = context_of(request)
    limit = ctx.max_message_size
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if limit is not None and size > limit:
            raise HTTPException(413, f"message larger than the {limit}-octet limit")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        # The shape of every other 422 (FastAPI's validation error), as documented.
        raise RequestValidationError(
            [
                {
                    "type": "missing",
                    "loc": ("body",),
                    "msg": "empty body: send the raw message as message/rfc822",
                    "input": None,
                }
            ]
        )
    message = Message(raw, sender=sender, recipients=to or [], peer=_peer(request))
    if not to:
        # As `sendmail -t` does: To, Cc and Bcc. Message.bcc is the envelope's blind
        # copies, so the Bcc header is read here.
        blind = [addr for _, addr in getaddresses(message.headers.get_all("bcc")) if addr]
        found = [str(a) for a in (*message.to, *message.cc)] + blind
        message.recipients = tuple(dict.fromkeys(found))
    if not sender and message.from_ is not None:
        message.sender = message.from_.addr
    ctx.store.deliver(message)
    return MessageSummary.of(message)


@router.get(
    "/wait",
    responses={
        **BAD_QUERY,
        404: {"model": ErrorOut, "description": "No message with the `after` id."},
        408: {"model": ErrorOut, "description": "Nothing matched before the timeout."},
        503: {"model": ErrorOut, "description": "The server is stopping."},
    },
)
async def wait_for_message(
    request: Request,
    query: QueryText = "",
    timeout: Annotated[float, Query(gt=0, le=MAX_WAIT)] = 30.0,
    after: Annotated[
        str | None, Query(description="Only messages that arrived after this id.")
    ] = None,
    since: Annotated[
        datetime | None, Query(description="Only messages received at or after this time.")
    ] = None,
) -> MessageDetail:
    """Answers as soon as a message matching `query` has arrived (it may already be
    here), or 408 after `timeout` seconds. No client-side polling needed."""
    ctx = context_of(request)
    criteria = _criteria(query)
    terms = list(criteria.terms)
    if after is not None:
        anchor = ctx.store.get(after)
        if anchor is None:
            raise HTTPException(404, f"no message with id {after!r}")
        seq = anchor.seq
        terms.append(Term("where", lambda m: m.seq > seq))
    if since is not None:
        moment = since if since.tzinfo else since.astimezone()
        terms.append(Term("where", lambda m: m.received_at >= moment))
    waiting = asyncio.ensure_future(ctx.store.wait_for_async(Criteria(tuple(terms)), timeout, 1))
    stopping = asyncio.ensure_future(ctx.stopping.wait())
    try:
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not waiting.done():
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
    if not waiting.done() or waiting.cancelled():
        return JSONResponse({"detail": "the server is stopping"}, status_code=503)  # type: ignore[return-value]
    found = waiting.result()
    if not found:
        return JSONResponse(  # type: ignore[return-value]
            {"detail": f"no message matching {criteria.describe()} within {timeout:g}s"},
            status_code=408,
        )
    return MessageDetail.of_message(found[0], API_PREFIX)


def _peer(request: Request) -> str | None:
    client = request.client
    return f"{client.host}:{client.port}" if client else None


# A captured file name or content type is the sender's text: a control character
# (CR LF above all) in a response header is a header injection, or a server error
# when the HTTP library refuses it.
_UNSAFE_IN_QUOTED = re.compile(r'[\x00-\x1f\x7f"\\]')
_MEDIA_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _ascii(text: str) -> str:
    """`text` fit for a quoted-string: ASCII, no control characters, quotes or backslashes."""
    ascii_text = text.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return _UNSAFE_IN_QUOTED.sub("_", ascii_text)


def _media_type(content_type: str) -> str:
    """The part's type if it is a well-formed type/subtype, else octet-stream."""
    return content_type if _MEDIA_TYPE.fullmatch(content_type) else "application/octet-stream"


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
