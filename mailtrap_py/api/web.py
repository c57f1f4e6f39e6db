"""The web page: `/` and its static files, shipped in the package (no build, no CDN).

The files are read once, from the installed package, and served from memory by
`async` routes: no thread pool (Starlette's `FileResponse` reads files in worker
threads that outlive a stopped MailServer), and a file that is not in the package
cannot be asked for.

The page only shows captured mail, the least trusted content there is, so it is
served with a strict Content-Security-Policy: its own scripts and styles only, no
inline script, no framing by others. Captured HTML is never part of the page: it is
loaded from `/api/v1/messages/{id}/html` into an `<iframe sandbox>`, whose response
carries a sandbox CSP of its own (see `messages.HTML_CSP`).
"""

from __future__ import annotations

import mimetypes
from functools import cache
from importlib import resources

from fastapi import APIRouter, HTTPException, Response

router = APIRouter(include_in_schema=False)

STATIC_PACKAGE = "mailtrap_py.api"
STATIC_FOLDER = "static"

# The page's own policy. `frame-src 'self'`: the sandboxed message frame;
# `connect-src 'self'`: fetch and the events stream; `img-src data:`: the icon.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

# mimetypes consults /etc/mime.types, which may map .js to a type a browser refuses
# for a module script; these are the types the page needs, whatever the machine says.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@cache
def static_files() -> dict[str, tuple[bytes, str]]:
    """Every file of the static folder: name -> (content, media type)."""
    folder = resources.files(STATIC_PACKAGE).joinpath(STATIC_FOLDER)
    found: dict[str, tuple[bytes, str]] = {}
    for entry in folder.iterdir():
        if not entry.is_file() or entry.name.startswith("."):
            continue
        suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
        media_type = _TYPES.get(suffix) or mimetypes.guess_type(entry.name)[0]
        found[entry.name] = (entry.read_bytes(), media_type or "application/octet-stream")
    return found


def _serve(name: str, headers: dict[str, str]) -> Response:
    found = static_files().get(name)
    if found is None:
        raise HTTPException(404, f"no file {name!r}")
    content, media_type = found
    return Response(content, media_type=media_type, headers={**SECURITY_HEADERS, **headers})


@router.get("/")
async def page() -> Response:
    """The web page: the message list and the message view."""
    return _serve("index.html", {"Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "DENY"})


@router.get("/static/{name}")
async def static(name: str) -> Response:
    """One of the page's scripts, styles or images."""
    return _serve(name, {})
