"""FETCH data items (RFC 3501 sections 6.4.5 and 7.4.2): parsing the request, rendering the answer.

Bodies are served as byte-exact slices of the stored message: the MIME structure is
found by a light scan of the raw bytes (header blocks, boundary lines), never by
re-serialising a parsed `email` object, so `BODY[1.2]` is exactly what the sender
wrote. The scan is lazy and the few most recently used structures are cached, as
one FETCH asks for several items of each message in turn (ENVELOPE, BODYSTRUCTURE,
header fields) and a FETCH 1:* over 100,000 messages must not keep them all.

Where RFC 3501 leaves room, the answers follow Dovecot 2.3 (the reference server):
type names keep the case they were sent in, a text part without a charset gets
`("charset" "us-ascii")`, a missing address part is `MISSING_MAILBOX`/`MISSING_DOMAIN`,
a section that does not exist is the empty literal `{0}`, and a string that holds a
quote, backslash, CR, LF or 8-bit byte is sent as a literal rather than escaped.
Dovecot's readings of odd MIME are followed too (each is tested against its
answers): a message with neither Content-Type nor MIME-Version has no Content-*
fields, a line that starts with `--boundary` delimits even with more after it
unless a nested multipart declared that longer boundary, and the CRLF before a
delimiter stays in the part when a close delimiter or an unfinished header of a
message inside it ends there.

A message whose MIME is broken still renders: whatever cannot be read as MIME is a
text/plain part, and BODY[] is always the message as stored (bare LF sent as CRLF).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mailtrap_py.imap.dates import format_internal_date
from mailtrap_py.imap.parser import Token

if TYPE_CHECKING:
    from mailtrap_py.message import Message

__all__ = [
    "FetchError",
    "FetchItem",
    "Token",
    "format_internal_date",
    "literal",
    "parse_items",
    "quoted_or_literal",
    "render",
    "wire_bytes",
]


class FetchError(ValueError):
    """Not a fetch item we understand; the text says why, for a tagged BAD."""


@dataclass(frozen=True, slots=True)
class FetchItem:
    """One requested data item, already checked and normalised."""

    name: str
    """Upper-case, as echoed in the response: `BODY[HEADER.FIELDS (FROM TO)]<0>`."""
    sets_seen: bool
    """BODY[...] (not PEEK), RFC822 and RFC822.TEXT set \\Seen (RFC 3501 6.4.5)."""
    session: bool
    """FLAGS, UID, MODSEQ: the session knows the values, `render` does not."""
    kind: str = ""
    """The item's keyword (`ENVELOPE`, `RFC822.SIZE`...), `SECTION` for BODY[...]."""
    part: tuple[int, ...] = ()
    text: str = ""
    """`HEADER`, `HEADER.FIELDS`, `HEADER.FIELDS.NOT`, `TEXT`, `MIME` or empty."""
    fields: tuple[str, ...] = ()
    """Lower-case header names of HEADER.FIELDS[.NOT]."""
    partial: tuple[int, int] | None = None
    """`<origin.count>`: the slice of the section to send."""


_SESSION_ITEMS = frozenset({"FLAGS", "UID", "MODSEQ"})
_SIMPLE_ITEMS = frozenset(
    {
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",
        "BODY",
        "BODYSTRUCTURE",
        "RFC822",
        "RFC822.HEADER",
        "RFC822.TEXT",
    }
)
_MACROS = {
    "ALL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"),
    "FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE"),
    "FULL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"),
}
_SECTION_ITEM = re.compile(
    r"(BODY|BODY\.PEEK)\[([^\]]*)\](?:<([0-9]+)\.([0-9]+)>)?", re.IGNORECASE | re.DOTALL
)
_SECTION_SPEC = re.compile(
    r"(?P<part>[1-9][0-9]*(?:\.[1-9][0-9]*)*)?"
    r"(?:(?(part)\.)(?P<text>HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)"
    r"(?P<rest>.*))?",
    re.IGNORECASE | re.DOTALL,
)
_ATOM_CHARS = re.compile(r"[!#$&'+-Z^-z|}~]+")  # ATOM-CHAR minus list/resp specials
_MAX_NUMBER = 0xFFFFFFFF


def parse_items(args: list[Token]) -> list[FetchItem]:
    """The items of a FETCH: `args` is a single atom (a macro or one item) or a list.

    Macros stand alone (RFC 3501 6.4.5: "not to be used with other data items").
    """
    if len(args) != 1:
        raise FetchError("FETCH wants one item, a macro or a parenthesised list")
    arg = args[0]
    if isinstance(arg, str):
        macro = _MACROS.get(arg.upper())
        if macro is not None:
            return [_item(name) for name in macro]
        return [_item(arg)]
    if isinstance(arg, list):
        if not arg:
            raise FetchError("empty FETCH item list")
        items = []
        for token in arg:
            if not isinstance(token, str):
                raise FetchError("FETCH items are atoms")
            items.append(_item(token))
        return items
    raise FetchError("FETCH items are atoms")


def _item(atom: str) -> FetchItem:
    upper = atom.upper()
    if upper in _SESSION_ITEMS:
        return FetchItem(upper, False, True, upper)
    if upper in _SIMPLE_ITEMS:
        return FetchItem(upper, upper in ("RFC822", "RFC822.TEXT"), False, upper)
    match = _SECTION_ITEM.fullmatch(atom)
    if match is None:
        raise FetchError(f"unknown FETCH item {atom[:60]!r}")
    keyword, spec, origin, count = match.groups()
    part, text, fields, canonical = _section(spec)
    partial = None
    name = f"BODY[{canonical}]"
    if origin is not None:
        start, length = int(origin), int(count)
        if start > _MAX_NUMBER or not 0 < length <= _MAX_NUMBER:
            raise FetchError(f"bad partial in {atom[:60]!r}")
        partial = (start, length)
        name += f"<{start}>"
    peek = keyword.upper() == "BODY.PEEK"
    return FetchItem(name, not peek, False, "SECTION", part, text, fields, partial)


def _section(spec: str) -> tuple[tuple[int, ...], str, tuple[str, ...], str]:
    """Section-spec (RFC 3501 section 9) as (part numbers, text, field names, canonical)."""
    match = _SECTION_SPEC.fullmatch(spec)
    if match is None:
        raise FetchError(f"bad section [{spec[:60]}]")
    numbers = match["part"]
    text = (match["text"] or "").upper()
    rest = match["rest"] or ""
    part = tuple(int(n) for n in numbers.split(".")) if numbers else ()
    if any(n > _MAX_NUMBER for n in part):
        raise FetchError(f"part number out of range in [{spec[:60]}]")
    if text == "MIME" and not part:
        raise FetchError("MIME needs a part number")
    fields: tuple[str, ...] = ()
    canonical = ".".join([numbers, text] if numbers and text else [numbers or text])
    if text.startswith("HEADER.FIELDS"):
        names = _header_list(rest)
        fields = tuple(n.lower() for n in names)
        shown = " ".join(_show_field(n) for n in names)
        canonical += f" ({shown})"
    elif rest:
        raise FetchError(f"bad section [{spec[:60]}]")
    return part, text, fields, canonical


def _header_list(text: str) -> list[str]:
    """` (From "To")` (header-list: astrings in parentheses) as the names."""
    text = text.strip(" ")
    if not (text.startswith("(") and text.endswith(")")) or len(text) > 4096:
        raise FetchError("HEADER.FIELDS wants a parenthesised list of names")
    names = re.findall(r'"((?:[^"\\]|\\.)*)"|([^\s()"]+)|(\S)', text[1:-1])
    result = []
    for quoted, atom, stray in names:
        if stray:
            raise FetchError("bad header name list")
        name = atom or re.sub(r"\\(.)", r"\1", quoted)
        if not name or any(c in name for c in ": \t\r\n") or not name.isascii():
            raise FetchError(f"bad header name {name[:60]!r}")
        result.append(name)
    if not result:
        raise FetchError("HEADER.FIELDS wants at least one name")
    return result


def _show_field(name: str) -> str:
    upper = name.upper()
    return upper if _ATOM_CHARS.fullmatch(upper) else '"' + upper.replace('"', '\\"') + '"'


# -- strings (RFC 3501 section 4.3) ---------------------------------------------

_NEEDS_LITERAL = re.compile(rb'["\\\r\n\x00\x80-\xff]')


def literal(data: bytes) -> bytes:
    """`{n}CRLF` and the bytes: what any data can be sent as."""
    return b"{%d}\r\n" % len(data) + data


def quoted_or_literal(text: bytes | str) -> bytes:
    """A quoted string if it can be one plainly, else a literal.

    Like Dovecot, a quote or backslash also makes a literal: some clients mishandle
    escapes inside quoted strings, and no client mishandles literals.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    if _NEEDS_LITERAL.search(data) is None:
        return b'"' + data + b'"'
    return literal(data)


def _nstr(text: str | None) -> bytes:
    """A header-derived string (kept as latin-1 so each char is one original byte)."""
    return b"NIL" if text is None else quoted_or_literal(text.encode("latin-1"))


# -- the MIME structure, found on the raw bytes ---------------------------------

_WS = " \t\r\n"
_MAX_DEPTH = 40  # Dovecot stops at 100 nested parts; a BODYSTRUCTURE this deep is abuse


class _Part:
    """One MIME entity as offsets into the (CRLF-normalised) message.

    `start:head_end` is the header block, `body:end` the body; `has_blank` tells
    whether a blank line separated them. Children are found on first use.
    """

    __slots__ = (
        "_children",
        "_embedded",
        "_expanded",
        "body",
        "depth",
        "end",
        "fields",
        "first",
        "has_blank",
        "head_end",
        "inner_end",
        "params",
        "raw",
        "start",
        "subtype",
        "type",
    )

    def __init__(
        self,
        raw: bytes,
        start: int,
        end: int,
        depth: int,
        *,
        entity: bool = False,
        digest: bool = False,
        delimited: bool = False,
    ) -> None:
        """`entity`: a message (the top or inside message/rfc822), not a body part;
        `digest`: a part of a multipart/digest; `delimited`: a part that a boundary
        line ends, so the CRLF at `end` is the delimiter's."""
        self.raw = raw
        self.start = start
        self.end = self.inner_end = end
        self.depth = depth
        if raw.startswith(b"\r\n", start) and start + 2 <= end:
            self.head_end, self.body, self.has_blank = start, start + 2, True
        else:
            blank = raw.find(b"\r\n\r\n", start, end)
            if blank < 0:
                self.head_end = self.body = end
                self.has_blank = False
            else:
                self.head_end, self.body, self.has_blank = blank + 2, blank + 4, True
        self.fields = _split_fields(raw, start, self.head_end)
        self.first: dict[str, int] = {}
        for number, (name, _, _) in enumerate(self.fields):
            self.first.setdefault(name, number)
        if entity and "content-type" not in self.first and "mime-version" not in self.first:
            # Not a MIME message (RFC 2045 4): Dovecot ignores its other Content-* fields.
            self.first = {k: v for k, v in self.first.items() if not k.startswith("content-")}
        parsed = _content_type(self.value("content-type"))
        if parsed is None:
            # RFC 2046 5.1.5: the parts of a multipart/digest are messages by default.
            parsed = ("message", "rfc822", []) if digest else ("text", "plain", [])
        self.type, self.subtype, self.params = parsed
        if self.type.lower() == "text" and not any(k.lower() == "charset" for k, _ in self.params):
            self.params = [*self.params, ("charset", "us-ascii")]
        if delimited and self._closes_at(end):
            # A nested multipart's close delimiter line keeps its CRLF when the outer
            # delimiter follows at once (Dovecot reads it as that line's end).
            self.end = self.inner_end = end + 2
        elif (
            delimited
            and self.has_blank
            and self.type.lower() == "message"
            and self.subtype.lower() == "rfc822"
            and not (raw.startswith(b"\r\n", self.body) and self.body + 2 <= end)
            and raw.find(b"\r\n\r\n", self.body, end) < 0
        ):
            # The message inside has no blank line: its header runs on to the CRLF
            # before the delimiter, which Dovecot counts in this part but not in that
            # message (`inner_end` stays).
            self.end = end + 2
        self._expanded = False
        self._children: list[_Part] | None = None
        self._embedded: _Part | None = None

    def _closes_at(self, end: int) -> bool:
        """Whether this part ends with the close delimiter of its own multipart, or of
        the multipart that is (or ends) the message inside it."""
        kind = self.type.lower()
        if kind == "multipart":
            return self._closed_at(end)
        if kind != "message" or self.subtype.lower() != "rfc822" or self.depth >= _MAX_DEPTH:
            return False
        last = _last_line(self.raw, self.body, end)
        if not (last.startswith(b"--") and last.endswith(b"--")):
            return False  # the usual case, decided without parsing the inner message
        return _Part(self.raw, self.body, end, self.depth + 1, entity=True)._closes_at(end)

    def _closed_at(self, end: int) -> bool:
        """Whether the line that ends at `end` is this multipart's close delimiter."""
        boundary = next((v for k, v in self.params if k.lower() == "boundary"), "")
        line = _last_line(self.raw, self.body, end)
        return bool(boundary) and line.startswith(b"--" + boundary.encode("latin-1") + b"--")

    def content_fields(self) -> dict[str, str]:
        """The Content-* fields BODYSTRUCTURE shows, by lower-case name: one pass
        instead of a look-up per field, as most parts have one or two of them."""
        return {
            name: value
            for name in self.first
            if name.startswith("content-") and (value := self.value(name)) is not None
        }

    def value(self, name: str, unfold: bool = True) -> str | None:
        """The first `name:` field's value, unfolded, leading blanks removed.

        Latin-1, so that each character stands for one byte of the header as sent.
        """
        number = self.first.get(name)
        if number is None:
            return None
        _, line_start, line_end = self.fields[number]
        value = self.raw[line_start:line_end].decode("latin-1").partition(":")[2]
        if value.endswith("\r\n"):
            value = value[:-2]
        # Blanks go before the first fold only (as Dovecot): `X:\r\n y` is " y".
        value = value.lstrip(" \t")
        return value.replace("\r\n", "") if unfold else value

    def _expand(self) -> None:
        self._expanded = True
        if self.depth >= _MAX_DEPTH:
            return
        kind = self.type.lower()
        if kind == "multipart":
            boundary = next((v for k, v in self.params if k.lower() == "boundary"), "")
            digest = self.subtype.lower() == "digest"
            spans = _split_multipart(
                self.raw, self.body, self.inner_end, boundary.encode("latin-1")
            )
            # No delimiter at all: one empty text/plain part, as Dovecot shows it.
            self._children = [
                _Part(self.raw, s, e, self.depth + 1, digest=digest, delimited=delimited)
                for s, e, delimited in spans
            ] or [_Part(self.raw, self.inner_end, self.inner_end, self.depth + 1)]
        elif kind == "message" and self.subtype.lower() == "rfc822":
            self._embedded = _Part(self.raw, self.body, self.inner_end, self.depth + 1, entity=True)

    @property
    def children(self) -> list[_Part] | None:
        """The parts of a multipart (None for any other type)."""
        if not self._expanded:
            self._expand()
        return self._children

    @property
    def embedded(self) -> _Part | None:
        """The message inside a message/rfc822 part (None for any other type)."""
        if not self._expanded:
            self._expand()
        return self._embedded


def _last_line(raw: bytes, start: int, end: int) -> bytes:
    """The last line of `raw[start:end]`, trailing blanks removed."""
    newline = raw.rfind(b"\n", start, end)
    return raw[start if newline < 0 else newline + 1 : end].rstrip(b" \t")


# A header line and its continuation lines; group 1 is the name when a colon follows.
_FIELD = re.compile(rb"([^:\n]*)(:?)[^\n]*(?:\n[ \t][^\n]*)*\n?")


def _split_fields(raw: bytes, start: int, end: int) -> list[tuple[str, int, int]]:
    """Each header field as (lower-case name, first byte, end incl. CRLF).

    A continuation line (leading blank) belongs to the field above; a line with no
    colon becomes a nameless field, kept so HEADER.FIELDS.NOT still sends it.
    """
    fields: list[tuple[str, int, int]] = []
    for match in _FIELD.finditer(raw, start, end):
        first, last = match.span()
        if first == last:
            break
        name, colon = match.groups()
        fields.append((name.decode("latin-1").strip(_WS).lower() if colon else "", first, last))
    return fields


def _split_multipart(
    raw: bytes, body: int, end: int, boundary: bytes
) -> list[tuple[int, int, bool]]:
    """The parts' (start, end, ended by a delimiter) between `--boundary` lines.

    RFC 2046 section 5.1.1; the CRLF before a delimiter belongs to the delimiter, not
    the part. As in Dovecot, a line that starts with the delimiter is one even with
    more after it (`--abc` for boundary `ab`), unless that line is the boundary of a
    multipart nested inside this one (`--aa` inside boundary `a`). An unclosed
    multipart runs to the end.
    """
    spans: list[tuple[int, int, bool]] = []
    if boundary:
        delimiter = b"--" + boundary
        current = -1
        pos = body
        closed = False
        doubtful = 0  # lines checked against nested boundaries: bounded, as each costs
        while True:
            if pos == body and raw.startswith(delimiter, body) and body + len(delimiter) <= end:
                line = body
            else:
                found = raw.find(b"\n" + delimiter, max(pos - 1, body), end)
                if found < 0:
                    break
                line = found + 1
            after = line + len(delimiter)
            newline = raw.find(b"\n", after, end)
            rest = raw[after : end if newline < 0 else newline].rstrip(b" \t\r")
            if rest not in (b"", b"--") and doubtful < 100:
                doubtful += 1
                if _nested_boundary(raw, body, line, after + len(rest)):
                    pos = after
                    continue
            if current >= 0:
                stop = line - 2 if raw[line - 2 : line] == b"\r\n" else line - 1
                spans.append((current, max(current, stop), True))
            if rest.startswith(b"--"):
                closed = True
                break
            if newline < 0:
                current = end
                break
            current = pos = newline + 1
        if current >= 0 and not closed:
            spans.append((current, end, False))
    return spans


def _nested_boundary(raw: bytes, body: int, line: int, line_end: int) -> bool:
    """Whether the delimiter line `raw[line:line_end]` is that of a multipart declared
    between `body` and it: Dovecot tries the innermost boundary first."""
    token = raw[line + 2 : line_end]
    token = token[:-2] if token.endswith(b"--") else token
    declared = re.compile(rb'boundary\s*=\s*"?' + re.escape(token) + rb'(?:["\s;]|$)', re.I)
    return declared.search(raw, body, line) is not None


# Header text is latin-1 here: `\s` would take the 0xA0 byte of UTF-8 `à` for a blank.
_PARAM = re.compile(
    r'[ \t\r\n]*;?[ \t\r\n]*([^=; \t\r\n"]+)[ \t\r\n]*=[ \t\r\n]*'
    r'(?:"((?:[^"\\]|\\.)*)"?|([^; \t\r\n"]*))'
)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_CONTINUED = re.compile(r"(.+)\*([0-9]+)(\*?)", re.DOTALL)
_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+")


def _content_type(value: str | None) -> tuple[str, str, list[tuple[str, str]]] | None:
    """`type/subtype; name=value...` as written, or None when unusable (RFC 2045 5.1)."""
    if value is None:
        return None
    main, _, rest = _strip_comments(value).partition(";")
    kind, slash, subtype = main.partition("/")
    kind, subtype = kind.strip(_WS), subtype.strip(_WS)
    if not slash or not _TOKEN.fullmatch(kind) or not _TOKEN.fullmatch(subtype):
        return None
    return kind, subtype, _params(rest)


def _strip_comments(value: str) -> str:
    if "(" not in value:
        return value
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"' and not depth:
            quoted = True
        elif char == "(":
            depth += 1
            continue
        elif char == ")" and depth:
            depth -= 1
            continue
        if not depth:
            out.append(char)
    return "".join(out)


def _params(text: str) -> list[tuple[str, str]]:
    """Parameters in order, RFC 2231 continuations (`name*0`, `name*1*`) joined."""
    params: list[tuple[str, str]] = []
    pieces: dict[str, list[tuple[int, str, bool]]] = {}
    for match in _PARAM.finditer(text):
        name, quoted, token = match.groups()
        if quoted is None:
            value = token
        else:
            value = _ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted
        continued = _CONTINUED.fullmatch(name) if "*" in name else None
        if continued is None:
            params.append((name, value))
            continue
        base = continued[1]
        if base not in pieces:
            pieces[base] = []
            params.append((base, ""))  # a place holder, filled below
        pieces[base].append((int(continued[2]), value, bool(continued[3])))
    if not pieces:
        return params
    result = []
    for name, value in params:
        parts = pieces.get(name)
        if parts is not None and value == "":
            parts.sort()
            encoded = any(flag for _, _, flag in parts)
            name = name + "*" if encoded else name
            value = "".join(v for _, v, _ in parts)
        result.append((name, value))
    return result


# -- addresses (RFC 5322 section 3.4, as RFC 3501 7.4.2 wants them) -------------

_ADDRESS_TOKENS = re.compile(
    r'"((?:[^"\\]|\\.)*)"?'  # quoted string
    r"|(\()"  # comment: read by hand, they nest
    r"|(\[[^\]]*\]?)"  # domain literal
    r"|([<>@,;:.])"  # specials that matter here
    r'|([^ \t\r\n()<>@,;:."\[\]]+)'  # atom
    r"|([ \t\r\n]+)"
    r"|(.)",  # anything else (a stray ')' or ']'): treat as an atom character
    re.DOTALL,
)
_Address = tuple[str | None, str | None, str | None, str | None]
_GROUP_END: _Address = (None, None, None, None)


def _address_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text): kind is `q` quoted, `c` comment, `a` atom, `l` literal, `s` blanks,
    or the special character itself."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _ADDRESS_TOKENS.match(text, pos)
        assert match is not None  # the last alternative matches any character
        quoted, comment, domain_literal, special, atom, space, stray = match.groups()
        pos = match.end()
        if quoted is not None:
            tokens.append(("q", re.sub(r"\\(.)", r"\1", quoted)))
        elif comment is not None:
            depth, start = 1, pos
            while pos < len(text) and depth:
                char = text[pos]
                if char == "\\":
                    pos += 1
                elif char == "(":
                    depth += 1
                elif char == ")":
                    depth -= 1
                pos += 1
            tokens.append(("c", text[start : pos - 1 if not depth else pos].strip(_WS)))
        elif domain_literal is not None:
            tokens.append(("l", domain_literal))
        elif special is not None:
            tokens.append((special, special))
        elif atom is not None or stray is not None:
            tokens.append(("a", atom or stray or ""))
        elif space is not None:
            tokens.append(("s", " "))
    return tokens


def _phrase(tokens: list[tuple[str, str]]) -> str | None:
    """Display-name words, quotes removed, one space where the header had blanks or a
    comment between them (`John Q. Public`, `A.B. Smith`), as Dovecot shows them."""
    out = ""
    spaced = False
    for kind, text in tokens:
        if kind in ("s", "c"):
            spaced = True
        elif kind in ("a", "q", "l", ".", "@", ":", ","):
            out += (" " if out and spaced else "") + text
            spaced = False
    return out or None


def _joined(tokens: list[tuple[str, str]]) -> str:
    return "".join(text for kind, text in tokens if kind not in ("c", "s"))


def _addresses(value: str | None) -> list[_Address]:
    """An address-list header as RFC 3501 envelope addresses, groups marked."""
    if value is None:
        return []
    tokens = _address_tokens(value)
    result: list[_Address] = []
    element: list[tuple[str, str]] = []
    in_group = in_angle = after_group = False
    for kind, text in [*tokens, (",", "")]:
        if kind == "<":
            in_angle = True
        elif kind == ">":
            in_angle = False
        elif not in_angle and kind == ":" and not in_group and "<" not in [k for k, _ in element]:
            result.append((None, None, _phrase(element) or "", None))
            in_group, after_group = True, False
            element = []
            continue
        elif not in_angle and kind in (",", ";"):
            address = _address(element)
            if address is not None:
                result.append(address)
            elif not (element or after_group) and text and kind == ",":
                # `a@b, , c@d`: an empty member between commas (as Dovecot shows it)
                result.append((None, None, "MISSING_MAILBOX", "MISSING_DOMAIN"))
            element = []
            after_group = kind == ";" and in_group
            if after_group:
                result.append(_GROUP_END)
                in_group = False
            continue
        if element or kind != "s":
            element.append((kind, text))
    if in_group:
        result.append(_GROUP_END)
    return result


def _address(tokens: list[tuple[str, str]]) -> _Address | None:
    """One mailbox: `Name <route:local@domain>` or `local@domain (Name)`."""
    words = [t for t in tokens if t[0] not in ("c", "s")]
    if not words:
        return None
    comments = [text for kind, text in tokens if kind == "c" and text]
    comment = comments[-1] if comments else None
    kinds = [k for k, _ in words]
    route = None
    if "<" in kinds:
        opened = [k for k, _ in tokens].index("<")
        name = _phrase(tokens[:opened])
        inside = [t for t in tokens[opened + 1 :] if t[0] not in ("c", "s")]
        if ">" in [k for k, _ in inside]:
            inside = inside[: [k for k, _ in inside].index(">")]
        if inside and inside[0][0] == "@" and ":" in [k for k, _ in inside]:
            colon = [k for k, _ in inside].index(":")
            route = _joined(inside[:colon])
            inside = inside[colon + 1 :]
        spec = inside
    else:
        name, spec = comment, words
        if "@" not in kinds and sum(1 for k in kinds if k in ("a", "q")) > 1:
            return (_phrase(tokens), None, "MISSING_MAILBOX", "MISSING_DOMAIN")
    if name is None:
        name = comment
    at = max((i for i, (k, _) in enumerate(spec) if k == "@"), default=-1)
    local = _joined(spec[:at] if at >= 0 else spec)
    domain = _joined(spec[at + 1 :]) if at >= 0 else ""
    return (name, route, local or "MISSING_MAILBOX", domain or "MISSING_DOMAIN")


_PLAIN_NAME = r"[-A-Za-z0-9!#$%&'*+/=?^_`{|}~ \t\x80-\xff]*?"
_PLAIN_SPEC = r"([-A-Za-z0-9!#$%&'*+/=?^_`{|}~.\x80-\xff]+)@([-A-Za-z0-9.\x80-\xff]+)"
_PLAIN_ADDRESS = re.compile(
    rf'[ \t]*(?:(?:"([^"\\\r\n]*)"|({_PLAIN_NAME}))[ \t]*<{_PLAIN_SPEC}>|{_PLAIN_SPEC})[ \t]*'
)
_address_memo: dict[str | None, bytes] = {}


def _address_field(value: str | None) -> bytes:
    """An address header as the envelope's address list (NIL when empty).

    The same From and To lines recur across a mailbox: answers are remembered (a
    bounded memo), and the common plain forms (`a@b`, `Name <a@b>`, `"Name" <a@b>`)
    skip the full tokenizer.
    """
    found = _address_memo.get(value)
    if found is not None:
        return found
    addresses = _plain_addresses(value)
    if addresses is None:
        addresses = _addresses(value)
    text = b"(" + b"".join(map(_address_bytes, addresses)) + b")" if addresses else b"NIL"
    if value is None or len(value) < 1000:
        if len(_address_memo) >= 4096:
            _address_memo.clear()
        _address_memo[value] = text
    return text


def _address_bytes(address: _Address) -> bytes:
    name, route, mailbox, host = address
    shown = b"NIL" if name is None else _for_humans(name)
    return b"(" + b" ".join((shown, _nstr(route), _nstr(mailbox), _nstr(host))) + b")"


def _plain_addresses(value: str | None) -> list[_Address] | None:
    """`value` read by one regular expression per address, or None if it is not plain."""
    if value is None:
        return []
    addresses: list[_Address] = []
    for piece in value.split(","):
        match = _PLAIN_ADDRESS.fullmatch(piece)
        if match is None:
            return None
        quoted, plain, local, domain, bare_local, bare_domain = match.groups()
        if local is None:
            addresses.append((None, None, bare_local, bare_domain))
            continue
        name = quoted if quoted is not None else " ".join(_BLANKS.split(plain.strip(_WS)))
        addresses.append((name or None, None, local, domain))
    return addresses


# -- ENVELOPE and BODYSTRUCTURE -------------------------------------------------


_BLANKS = re.compile(r"[ \t\r\n]+")


def _for_humans(text: str) -> bytes:
    """Dovecot's "string for humans" (subjects, display names): blank runs made one
    space, ends trimmed, and sent as a literal when that changed anything."""
    tidy = " ".join(w for w in _BLANKS.split(text) if w)
    data = tidy.encode("latin-1")
    return literal(data) if tidy != text else quoted_or_literal(data)


def _envelope(part: _Part) -> bytes:
    """RFC 3501 7.4.2 ENVELOPE: raw header text, encoded words left as they are."""
    subject = part.value("subject", unfold=False)
    subject_text = b"NIL" if subject is None else _for_humans(subject)
    from_ = _address_field(part.value("from"))
    sender = _address_field(part.value("sender"))
    reply_to = _address_field(part.value("reply-to"))
    return (
        b"("
        + b" ".join(
            (
                _nstr(part.value("date")),
                subject_text,
                from_,
                from_ if sender == b"NIL" else sender,
                from_ if reply_to == b"NIL" else reply_to,
                _address_field(part.value("to")),
                _address_field(part.value("cc")),
                _address_field(part.value("bcc")),
                _nstr(part.value("in-reply-to")),
                _nstr(part.value("message-id")),
            )
        )
        + b")"
    )


def _param_list(params: list[tuple[str, str]]) -> bytes:
    if not params:
        return b"NIL"
    return b"(" + b" ".join(_nstr(k) + b" " + _nstr(v) for k, v in params) + b")"


def _extension(content: dict[str, str]) -> list[bytes]:
    """body-fld-dsp, body-fld-lang, body-fld-loc (shared by every kind of part)."""
    if not content:
        return [b"NIL", b"NIL", b"NIL"]
    disposition = content.get("content-disposition")
    dsp = b"NIL"
    if disposition is not None:
        kind, _, rest = _strip_comments(disposition).partition(";")
        kind = kind.strip(_WS)
        if kind:
            dsp = b"(" + _nstr(kind) + b" " + _param_list(_params(rest)) + b")"
    language = content.get("content-language")
    lang = b"NIL"
    if language is not None:
        tags = [t.strip(_WS) for t in _strip_comments(language).split(",") if t.strip(_WS)]
        if tags:
            lang = b"(" + b" ".join(map(_nstr, tags)) + b")"
    return [dsp, lang, _nstr(content.get("content-location"))]


def _structure(part: _Part, extensible: bool) -> bytes:
    """BODY (extensible=False) or BODYSTRUCTURE of one part (RFC 3501 7.4.2)."""
    children = part.children
    content = part.content_fields()
    if children is not None:
        fields = [b"".join(_structure(c, extensible) for c in children), _nstr(part.subtype)]
        if extensible:
            fields += [_param_list(part.params), *_extension(content)]
        return b"(" + b" ".join(fields) + b")"
    encoding = content.get("content-transfer-encoding", "").strip(_WS) or "7bit"
    description = content.get("content-description")
    content_id = content.get("content-id")
    fields = [
        _nstr(part.type),
        _nstr(part.subtype),
        _param_list(part.params),
        _nstr(content_id),
        _nstr(description),
        _nstr(encoding),
        b"%d" % (part.end - part.body),
    ]
    embedded = part.embedded
    if embedded is not None:
        fields += [_envelope(embedded), _structure(embedded, extensible)]
    if embedded is not None or part.type.lower() == "text":
        fields.append(b"%d" % part.raw.count(b"\n", part.body, part.end))
    if extensible:
        fields += [_nstr(content.get("content-md5")), *_extension(content)]
    return b"(" + b" ".join(fields) + b")"


# -- sections -------------------------------------------------------------------


def _find(root: _Part, numbers: tuple[int, ...]) -> _Part | None:
    """The part a section's numbers name, as Dovecot counts them.

    The numbers of a message (the top or one inside message/rfc822) count the parts
    of its body: the children of a multipart, else `1` is the message itself. `1`
    after a part that is not a multipart or a message names that same part, once.
    """
    part = root
    entity = True  # `part` is a message whose body parts the next number counts
    final = False  # `part` was reached by "1 is the part itself": nothing below it
    for number in numbers:
        if not entity and part.children is None and part.embedded is not None:
            part, entity = part.embedded, True
        children = part.children
        if children is not None:
            if number > len(children):
                return None
            part, entity, final = children[number - 1], False, False
        elif entity:
            if number != 1:
                return None
            entity, final = False, True
        elif final or number != 1:
            return None
        else:
            final = True
    return part


def _section_bytes(root: _Part, item: FetchItem) -> bytes:
    raw = root.raw
    if item.part:
        found = _find(root, item.part)
        if found is None:
            return b""
        if item.text == "MIME":
            return raw[found.start : found.body]
        if not item.text:
            return raw[found.body : found.end]
        target = found.embedded
        if target is None:
            return b""
    else:
        target = root
    if item.text == "TEXT":
        return raw[target.body : target.end]
    if item.text == "HEADER":
        return raw[target.start : target.body]
    if item.text.startswith("HEADER.FIELDS"):
        wanted = set(item.fields)
        keep = item.text == "HEADER.FIELDS"
        lines = [raw[s:e] for name, s, e in target.fields if (name in wanted) == keep]
        if keep or target.has_blank:
            lines.append(b"\r\n")
        return b"".join(lines)
    return raw[target.start : target.end]


# -- the cache and render -------------------------------------------------------

_CACHE_SIZE = 256
_cache: OrderedDict[int, _Part] = OrderedDict()
_cache_lock = threading.Lock()
_BARE_LF = re.compile(rb"(?<!\r)\n")


def wire_bytes(raw: bytes) -> bytes:
    """The message as sent over IMAP: bare LF line ends made CRLF (RFC 3501 4.3).

    Stored messages came over SMTP and are CRLF already; this only guards a message
    put in the store by other means, so that what is sent and RFC822.SIZE agree.
    """
    if raw.count(b"\n") == raw.count(b"\r\n"):
        return raw
    return _BARE_LF.sub(b"\r\n", raw)


# Rendered ENVELOPE, BODY and BODYSTRUCTURE answers by (message seq, item), least
# recently used first, within a byte budget: what Dovecot keeps in its index
# cache. A mail client that re-syncs a folder asks for the same ones again; a
# message's answers never change, so they never go stale.
_RENDERED_BUDGET = 64 * 1024 * 1024
_rendered: OrderedDict[tuple[int, str], bytes] = OrderedDict()
_rendered_size = 0


def _keep_rendered(key: tuple[int, str], data: bytes) -> None:
    global _rendered_size
    with _cache_lock:
        if key in _rendered:
            return
        _rendered[key] = data
        _rendered_size += len(data)
        while _rendered_size > _RENDERED_BUDGET:
            _, dropped = _rendered.popitem(last=False)
            _rendered_size -= len(dropped)


def _render_structure(kind: str, name: bytes, root: _Part) -> bytes:
    if kind == "ENVELOPE":
        return b"ENVELOPE " + _envelope(root)
    return name + b" " + _structure(root, kind == "BODYSTRUCTURE")


def _root(message: Message) -> _Part:
    key = message.seq
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    raw = wire_bytes(message.raw)
    root = _Part(raw, 0, len(raw), 0, entity=True)
    with _cache_lock:
        _cache[key] = root
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return root


def render(item: FetchItem, message: Message, internal_date: datetime) -> bytes:
    """`item` as it appears inside `* n FETCH (...)`: name, space, value.

    Never fails on the message's content; a session item (FLAGS, UID, MODSEQ) is a
    ValueError, as only the session knows those.
    """
    kind = item.kind
    name = item.name.encode("ascii")
    if kind == "INTERNALDATE":
        return b"INTERNALDATE " + format_internal_date(internal_date)
    if item.session:
        raise ValueError(f"{item.name} is rendered by the session")
    if kind in ("RFC822.SIZE", "RFC822"):
        # No structure needed: `FETCH 1:* RFC822.SIZE` need not parse every header.
        with _cache_lock:
            cached = _cache.get(message.seq)
        wire = cached.raw if cached is not None else wire_bytes(message.raw)
        if kind == "RFC822":
            return b"RFC822 " + literal(wire)
        return b"RFC822.SIZE %d" % len(wire)
    if kind in ("ENVELOPE", "BODYSTRUCTURE", "BODY"):
        key = (message.seq, kind)
        with _cache_lock:
            kept = _rendered.get(key)
            if kept is not None:
                _rendered.move_to_end(key)
                return kept
        done = _render_structure(kind, name, _root(message))
        _keep_rendered(key, done)
        return done
    if kind in ("RFC822.HEADER", "RFC822.TEXT") or (
        not item.part and item.text in ("", "HEADER", "TEXT")
    ):
        # The whole message, its header or its body: one search for the blank line
        # (as `_Part` finds it), not a MIME tree. Mail clients and sync tools fetch
        # these for every message of a folder.
        raw = wire_bytes(message.raw)
        body = _body_offset(raw)
        if kind == "RFC822.HEADER" or item.text == "HEADER":
            data = raw[:body]
        elif kind == "RFC822.TEXT" or item.text == "TEXT":
            data = raw[body:]
        else:
            data = raw
    else:
        data = _section_bytes(_root(message), item)
    if item.partial is not None:
        origin, count = item.partial
        data = data[origin : origin + count]
    return name + b" " + literal(data)


def _body_offset(raw: bytes) -> int:
    """Where the body of a whole message starts (its end if it has no blank line)."""
    if raw.startswith(b"\r\n"):
        return 2
    blank = raw.find(b"\r\n\r\n")
    return len(raw) if blank < 0 else blank + 4
