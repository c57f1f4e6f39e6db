"""Modified UTF-7 mailbox names (RFC 3501 section 5.1.3).

IMAP4rev1 clients send `Entw&APw-rfe` for "Entwürfe". The store keeps names as
Unicode, so the HTTP API, the Python API and the web page show "Entwürfe", and the
session converts at the edge. The stdlib has a UTF-7 codec, but not this variant
(`&` instead of `+`, `,` instead of `/`, no implicit end), hence these few lines.
"""

from __future__ import annotations

import base64
import re

_SHIFTED = re.compile(r"&([A-Za-z0-9+,]*)-")


def encode(name: str) -> str:
    """Unicode -> modified UTF-7 (printable ASCII stays, `&` becomes `&-`)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            text = base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",")
            out.append(f"&{text}-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def decode(name: str) -> str:
    """Modified UTF-7 -> Unicode; ValueError if `name` is not valid modified UTF-7."""
    if not name.isascii():
        raise ValueError("not modified UTF-7: 8-bit characters")

    def shifted(match: re.Match[str]) -> str:
        text = match.group(1)
        if not text:
            return "&"
        data = base64.b64decode(text.replace(",", "/") + "=" * (-len(text) % 4))
        if len(data) % 2:
            raise ValueError("not modified UTF-7: odd UTF-16 length")
        return data.decode("utf-16-be")

    decoded = _SHIFTED.sub(shifted, name)
    if "&" in _SHIFTED.sub("", name):
        raise ValueError("not modified UTF-7: unterminated &")
    return decoded
