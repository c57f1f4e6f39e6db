"""The captured message: the exact bytes received, the envelope, and a lazy parsed view.

A message is stored once, as the bytes the client sent after DATA (CRLF kept, dot
stuffing removed, nothing rewritten). Every protocol serves those bytes; the parsed
view below is only for looking at them. Parsing is lazy and cached, and it never
raises: a message whose MIME is broken is still stored, listed and retrievable byte
for byte, and its parsed fields degrade to what could be read (see `defects`).
"""

from __future__ import annotations

import email
import email.policy
import html
import itertools
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from email.header import decode_header, make_header
from email.headerregistry import Address as _HeaderAddress
from email.message import EmailMessage
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import cached_property
from html.parser import HTMLParser
from typing import NamedTuple

log = logging.getLogger("mailtrap_py.message")

_ids = itertools.count(1)


class Address(str):
    """An address as its addr-spec string, with the display name beside it.

    Being a `str` lets tests write `"ann@example.com" in msg.to` and
    `msg.from_ == "noreply@example.com"`; `.name` and `.formatted` keep the rest.
    """

    name: str

    def __new__(cls, addr: str, name: str = "") -> Address:
        self = super().__new__(cls, addr)
        self.name = name
        return self

    @property
    def addr(self) -> str:
        return str.__str__(self)

    @property
    def formatted(self) -> str:
        """`Name <addr>` as a mail client shows it, or the bare address."""
        return f"{self.name} <{self.addr}>" if self.name else self.addr

    def __repr__(self) -> str:
        return f"Address({self.addr!r}, name={self.name!r})"


@dataclass(frozen=True)
class Attachment:
    """A MIME leaf that is not the message's text or HTML body."""

    filename: str | None
    content_type: str
    content: bytes
    inline: bool
    content_id: str | None
    part: str
    """MIME part number as IMAP numbers it (`"2"`, `"1.2"`), for downloads."""

    @property
    def size(self) -> int:
        return len(self.content)


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued header access in message order.

    `headers["subject"]` is the first value (decoded); `get_all("received")` every
    value; iterating yields each distinct name once, as first written.
    """

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        key = name.lower()
        for k, v in self._items:
            if k.lower() == key:
                return v
        raise KeyError(name)

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [v for k, v in self._items if k.lower() == key]

    def items_all(self) -> list[tuple[str, str]]:
        """Every (name, value) pair, duplicates included, in message order."""
        return list(self._items)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for k, _ in self._items:
            if k.lower() not in seen:
                seen.add(k.lower())
                yield k

    def __len__(self) -> int:
        return len({k.lower() for k, _ in self._items})

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(k.lower() == name.lower() for k, _ in self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class Message:
    """One message as accepted after DATA, plus its lazily parsed view."""

    __slots__ = (
        "_summary",
        "_view",
        "auth_user",
        "peer",
        "raw",
        "read",
        "received_at",
        "recipients",
        "sender",
        "seq",
        "tls",
    )

    def __init__(
        self,
        raw: bytes,
        *,
        sender: str = "",
        recipients: tuple[str, ...] | list[str] = (),
        peer: str | None = None,
        auth_user: str | None = None,
        tls: bool = False,
        received_at: datetime | None = None,
    ) -> None:
        self.seq = next(_ids)
        self.raw = raw
        self.sender = sender
        self.recipients = tuple(recipients)
        self.peer = peer
        self.auth_user = auth_user
        self.tls = tls
        self.received_at = received_at or datetime.now(timezone.utc)
        # Read in the web page or fetched whole over the HTTP API (as in Mailpit);
        # the `is:read` / `is:unread` search terms look at it.
        self.read = False
        self._summary: _Summary | None = None
        self._view: _ParsedView | None = None

    def __repr__(self) -> str:
        return (
            f"<Message {self.id} from={self.sender!r} to={list(self.recipients)!r} "
            f"subject={self.subject!r} size={self.size}>"
        )

    @property
    def id(self) -> str:
        """A short, opaque, never-reused id: the arrival counter is enough to make it
        unique in a process and keeps it stable and sortable for humans reading logs."""
        # Made when asked, not kept: 57 bytes a message on a large store.
        return f"{self.seq:08x}"

    @property
    def size(self) -> int:
        return len(self.raw)

    @property
    def parsed(self) -> _ParsedView:
        view = self._view
        if view is None:
            view = self._view = _ParsedView(self.raw)
        return view

    @property
    def summary_fields(self) -> _Summary:
        """Subject, addresses, date and Message-ID, read from the header block only.

        Lists and searches over many messages need just these: keeping them apart
        from the full parsed view keeps a searched-through message small. Addresses
        are kept as (addr, name) pairs, as an `Address` carries a per-object dict.
        """
        found = self._summary
        if found is None:
            fields = None if self._view is not None else _quick_fields(_header_block(self.raw))
            if fields is None:
                view = self._view or _ParsedView(_header_block(self.raw))
                fields = (
                    view.subject,
                    _pair(view.from_) if view.from_ is not None else None,
                    tuple(map(_pair, view.to)),
                    tuple(map(_pair, view.cc)),
                    tuple(map(_pair, view.reply_to)),
                    view.date,
                    view.message_id,
                )
            # The header addresses are mostly the envelope's: share those strings.
            known = {a: a for a in (self.sender, *self.recipients)}
            fields = _shared(fields, known)
            found = self._summary = _Summary(*fields)
        return found

    def search_text(self, field: str) -> str:
        """Case-folded text that `subject:`, `from:` (envelope sender, From address
        and name) or `to:` (envelope recipients, To addresses and names) search.

        Made on demand, not kept: the store keeps these per field in one column.
        """
        fields = self.summary_fields
        if field == "subject":
            return _fold(fields.subject)
        if field == "from":
            return _fold(self.sender, *(fields.from_ or ()))
        if field == "to":
            return _fold(*self.recipients, *(part for pair in fields.to for part in pair))
        raise ValueError(f"no search text {field!r}")

    def as_email(self) -> EmailMessage:
        """A fresh `EmailMessage` of the raw bytes (yours to change)."""
        return _parse(self.raw)

    # Header fields, from the light summary; body fields, from the full view.
    @property
    def subject(self) -> str:
        return self.summary_fields.subject

    @property
    def from_(self) -> Address | None:
        pair = self.summary_fields.from_
        return Address(*pair) if pair is not None else None

    @property
    def to(self) -> list[Address]:
        return [Address(*pair) for pair in self.summary_fields.to]

    @property
    def cc(self) -> list[Address]:
        return [Address(*pair) for pair in self.summary_fields.cc]

    @property
    def bcc(self) -> list[Address]:
        """Envelope recipients that no To or Cc header names: the blind copies."""
        fields = self.summary_fields
        named = {addr.lower() for addr, _ in itertools.chain(fields.to, fields.cc)}
        return [Address(r) for r in self.recipients if r.lower() not in named]

    @property
    def reply_to(self) -> list[Address]:
        return [Address(*pair) for pair in self.summary_fields.reply_to]

    @property
    def date(self) -> datetime | None:
        return self.summary_fields.date

    @property
    def message_id(self) -> str | None:
        return self.summary_fields.message_id

    @property
    def headers(self) -> Headers:
        return self.parsed.headers

    @property
    def text(self) -> str | None:
        return self.parsed.text

    @property
    def html(self) -> str | None:
        return self.parsed.html

    @property
    def attachments(self) -> list[Attachment]:
        return self.parsed.attachments

    @property
    def links(self) -> list[str]:
        return self.parsed.links

    @property
    def codes(self) -> list[str]:
        return self.parsed.codes

    @property
    def defects(self) -> list[str]:
        """What the MIME parser found wrong, as readable strings (empty if nothing)."""
        return self.parsed.defects

    def summary(self) -> str:
        """One line for failure messages: who sent what to whom."""
        to = ", ".join(self.recipients) or "-"
        return f"from {self.sender or '<>'} to {to}: {self.subject!r}"


class _Summary(NamedTuple):
    subject: str
    from_: tuple[str, str] | None
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    reply_to: tuple[tuple[str, str], ...]
    date: datetime | None
    message_id: str | None


def _shared(fields: _Fields, known: dict[str, str]) -> _Fields:
    """`fields` with each address that equals one in `known` replaced by that one."""

    def pairs(found: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((known.get(addr, addr), name) for addr, name in found)

    subject, from_, to, cc, reply_to, date, message_id = fields
    if from_ is not None:
        from_ = (known.get(from_[0], from_[0]), from_[1])
    return (subject, from_, pairs(to), pairs(cc), pairs(reply_to), date, message_id)


def _pair(address: Address) -> tuple[str, str]:
    return (address.addr, address.name)


_COMPAT_HEADERS = HeaderParser(policy=email.policy.compat32)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_Fields = tuple[
    str,
    "tuple[str, str] | None",
    "tuple[tuple[str, str], ...]",
    "tuple[tuple[str, str], ...]",
    "tuple[tuple[str, str], ...]",
    "datetime | None",
    "str | None",
]


def _quick_fields(head: bytes) -> _Fields | None:
    """The summary's fields from the header block with the stdlib's older parser.

    `policy.default` builds a parse tree per header: 1-3 ms a message, a minute for
    the first search over 100,000 messages. The compat32 parser with
    `email.utils`/`email.header` reads the same well-formed headers 20 times faster.
    Anything it might read differently (not UTF-8, parser defects, an address
    header with a comment or group) returns None, and the full parser answers.
    """
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        msg = _COMPAT_HEADERS.parsestr(text)
        if msg.defects:
            return None

        def first(name: str) -> str | None:
            values = msg.get_all(name)
            return _FOLD.sub("", str(values[0])).strip() if values else None

        def pairs(name: str) -> tuple[tuple[str, str], ...] | None:
            values = [_FOLD.sub("", str(v)) for v in msg.get_all(name) or ()]
            if any(c in v for v in values for c in "();:\\"):
                return None  # comments, groups, escapes: the full parser's job
            found = []
            for display, addr in getaddresses(values):
                if not addr or "@" not in addr:
                    return None
                found.append((addr, _words(display)))
            return tuple(found)

        subject = _words(first("subject") or "")
        lists = [pairs(name) for name in ("from", "to", "cc", "reply-to")]
        if any(found is None for found in lists):
            return None
        from_list, to, cc, reply_to = lists
        assert from_list is not None and to is not None and cc is not None
        assert reply_to is not None
        date_text = first("date")
        date = None
        if date_text:
            try:
                date = _shared_tz(parsedate_to_datetime(date_text))
            except (TypeError, ValueError, IndexError):
                return None
        return (
            subject,
            from_list[0] if from_list else None,
            to,
            cc,
            reply_to,
            date,
            first("message-id"),
        )
    except Exception:
        return None


_ZONES: dict[object, tzinfo] = {}


def _shared_tz(moment: datetime) -> datetime:
    """`moment` with one shared tzinfo object per offset: each parsed Date header
    otherwise carries its own (about 90 bytes a message on a large store)."""
    zone = moment.tzinfo
    if zone is None:
        return moment
    shared = _ZONES.setdefault(zone.utcoffset(None), zone)
    return moment if shared is zone else moment.replace(tzinfo=shared)


def _words(text: str) -> str:
    """RFC 2047 encoded words decoded, as policy.default does for display."""
    if "=?" not in text:
        return text
    return _clean(str(make_header(decode_header(text))))


def _fold(*parts: str) -> str:
    # NUL between parts: no needle spans two of them.
    # Each value once: the To address is mostly the envelope recipient's too.
    text = "\0".join(dict.fromkeys(p for p in parts if p))
    folded = text.casefold()
    return text if folded == text else folded


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _header_block(raw: bytes) -> bytes:
    """The header lines and the blank line after them (all of `raw` if no body)."""
    if raw.startswith((b"\r\n", b"\n")):
        return b""
    found = _HEADER_END.search(raw)
    return raw[: found.end()] if found else raw


def _parse(raw: bytes) -> EmailMessage:
    """Parse with policy.default, reading UTF-8 headers as UTF-8 (RFC 6532).

    `email.message_from_bytes` decodes everything as ASCII with surrogate escapes,
    so an SMTPUTF8 message's `To: 用户@例子.广告` would come out as lone
    surrogates. The header block is decoded as UTF-8 when it is valid UTF-8; the
    body stays ASCII-with-surrogates as the stdlib expects, so 8-bit and binary
    parts still decode to their exact bytes.
    """
    head = _header_block(raw)
    end = len(head)
    try:
        head_text = head.decode("utf-8")
    except UnicodeDecodeError:
        head_text = head.decode("ascii", "surrogateescape")
    text = head_text + raw[end:].decode("ascii", "surrogateescape")
    msg = email.message_from_string(text, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _safe_header(msg: EmailMessage, name: str) -> str | None:
    """A header's decoded value; falls back to the raw value when decoding fails."""
    try:
        value = msg.get(name)
    except Exception:  # the header parser of policy.default can raise on junk
        log.debug("undecodable %s header", name, exc_info=True)
        # Not msg.get_all(name): it runs the same failing parser again.
        raw = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
        value = None
        if raw:
            value = _clean(str(raw[0]))
    return None if value is None else _clean(str(value))


def _clean(text: str) -> str:
    """`text` without lone surrogates: the email package keeps the bytes of a header
    that is not UTF-8 as surrogate escapes, which no UTF-8 encoder (a terminal, a JSON
    response) accepts. Those bytes become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _addresses(msg: EmailMessage, name: str) -> list[Address]:
    out: list[Address] = []
    try:
        values = msg.get_all(name) or []
        for header in values:
            for addr in getattr(header, "addresses", ()):
                assert isinstance(addr, _HeaderAddress)
                if addr.addr_spec and addr.addr_spec != "<>":
                    out.append(Address(_clean(addr.addr_spec), _clean(addr.display_name or "")))
        return out
    except Exception:
        log.debug("unparseable %s header", name, exc_info=True)
    # Degraded path: the stdlib's older, lenient address parser on the raw text
    # (starting over, so nothing the failed pass found is listed twice).
    out = []
    raw_values = [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    for display, addr_spec in getaddresses(raw_values):
        if addr_spec:
            out.append(Address(_clean(addr_spec), _clean(display)))
    return out


def _decode_text(part: EmailMessage) -> str | None:
    """A body part as text with `\\n` line breaks.

    On the wire text lines end in CRLF (RFC 5322 section 2.3; RFC 2045 section
    2.10), but a base64 body carries whatever the sender encoded. Normalising to
    `\\n` lets `"Hello\\nWorld" in msg.text` work whichever way a body travelled;
    `raw` keeps the exact bytes.
    """
    try:
        content = part.get_content()
    except Exception:
        # Unknown charset or broken transfer encoding: show what the bytes say.
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        content = payload.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        return None
    return content.replace("\r\n", "\n")


class _ParsedView:
    """Everything read out of the raw bytes; each field computed on first use."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    @cached_property
    def email(self) -> EmailMessage:
        return _parse(self._raw)

    @cached_property
    def defects(self) -> list[str]:
        # Transfer-encoding defects (bad base64...) are only recorded when a part is
        # decoded: decode every part first, so the list does not depend on what was
        # read before.
        self.text, self.html, self.attachments  # noqa: B018
        found: list[str] = []
        for part in self.email.walk():
            found.extend(_clean(f"{type(d).__name__}: {d}") for d in part.defects)
        return found

    @cached_property
    def subject(self) -> str:
        return _safe_header(self.email, "subject") or ""

    @cached_property
    def from_(self) -> Address | None:
        found = _addresses(self.email, "from")
        return found[0] if found else None

    @cached_property
    def to(self) -> list[Address]:
        return _addresses(self.email, "to")

    @cached_property
    def cc(self) -> list[Address]:
        return _addresses(self.email, "cc")

    @cached_property
    def reply_to(self) -> list[Address]:
        return _addresses(self.email, "reply-to")

    @cached_property
    def date(self) -> datetime | None:
        value = _safe_header(self.email, "date")
        if not value:
            return None
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None

    @cached_property
    def message_id(self) -> str | None:
        value = _safe_header(self.email, "message-id")
        return value.strip() if value else None

    @cached_property
    def headers(self) -> Headers:
        policy = self.email.policy
        items: list[tuple[str, str]] = []
        for name, raw_value in self.email.raw_items():
            try:
                value = str(policy.header_fetch_parse(name, raw_value))
            except Exception:  # undecodable: show it as it came
                value = str(raw_value)
            items.append((_clean(name), _clean(value)))
        return Headers(items)

    def _body_part(self, subtype: str) -> EmailMessage | None:
        try:
            part = self.email.get_body(preferencelist=(subtype,))
        except Exception:
            return None
        if part is None or part.get_content_subtype() != subtype:
            return None
        assert isinstance(part, EmailMessage)
        return part

    @cached_property
    def text(self) -> str | None:
        part = self._body_part("plain")
        return _decode_text(part) if part is not None else None

    @cached_property
    def html(self) -> str | None:
        part = self._body_part("html")
        return _decode_text(part) if part is not None else None

    @cached_property
    def attachments(self) -> list[Attachment]:
        bodies = {id(p) for p in (self._body_part("plain"), self._body_part("html")) if p}
        found: list[Attachment] = []
        for number, part in _leaves(self.email, ""):
            if id(part) in bodies:
                continue
            disposition = (part.get_content_disposition() or "").lower()
            filename = _filename(part)
            content_id = _safe_header(part, "content-id")
            is_text_body = (
                part.get_content_maintype() == "text"
                and not filename
                and disposition != "attachment"
                and not content_id
            )
            # A multipart "leaf" is a container whose boundary never appears: it has
            # no parts to list (its text is still in `raw`, and `defects` says why).
            if is_text_body or part.get_content_maintype() == "multipart":
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                content = payload
            elif part.get_content_maintype() == "message":
                content = _message_body(part, "\r\n" if b"\r\n" in self._raw else "\n")
            else:
                content = b""
            found.append(
                Attachment(
                    filename=filename,
                    content_type=part.get_content_type(),
                    content=content,
                    inline=disposition == "inline" or (not disposition and bool(content_id)),
                    content_id=str(content_id).strip().strip("<>") if content_id else None,
                    part=number or "1",
                )
            )
        return found

    @cached_property
    def links(self) -> list[str]:
        found: list[str] = []
        if self.html:
            collector = _LinkCollector()
            try:
                collector.feed(self.html)
                collector.close()
            except Exception:  # HTMLParser is lenient; this is belt and braces
                log.debug("HTML link scan failed", exc_info=True)
            found.extend(collector.links)
        if self.text:
            found.extend(_text_urls(self.text))
        return list(dict.fromkeys(found))

    @cached_property
    def codes(self) -> list[str]:
        body = self.text
        if body is None and self.html is not None:
            body = _html_to_text(self.html)
        return find_codes(f"{self.subject}\n{body or ''}")


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return _clean(str(name)) if name else None


def _message_body(part: EmailMessage, linesep: str) -> bytes:
    """The body of a message/* part, which the email package keeps parsed (a message,
    or header blocks for a delivery report), serialized back to bytes."""
    policy = email.policy.default.clone(linesep=linesep, refold_source="none", max_line_length=None)
    try:
        flat = part.as_bytes(policy=policy)
    except Exception:
        log.debug("unserializable %s part", part.get_content_type(), exc_info=True)
        return b""
    nl = linesep.encode()
    if flat.startswith(nl):  # the part had no headers of its own
        return flat[len(nl) :]
    return flat.partition(nl + nl)[2]


def _leaves(part: EmailMessage, number: str) -> Iterator[tuple[str, EmailMessage]]:
    """Leaf parts with their IMAP part numbers (RFC 3501 section 6.4.5).

    An attached message (message/rfc822, message/delivery-status...) is one leaf: it is
    one attachment to the reader, and IMAP numbers its own parts under its number
    without a level for the message itself, so descending here would misnumber them.
    """
    if part.is_multipart() and part.get_content_maintype() != "message":
        payload = part.get_payload()
        if not isinstance(payload, list):
            return
        for index, child in enumerate(payload, start=1):
            if isinstance(child, EmailMessage):
                yield from _leaves(child, f"{number}.{index}" if number else str(index))
    else:
        yield number, part


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("a", "area"):
            return
        for name, value in attrs:
            if name == "href" and value and _LINK_SCHEME.match(value.strip()):
                self.links.append(value.strip())


_LINK_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
_OPENERS = {")": "(", "]": "[", "}": "{"}


def _text_urls(text: str) -> list[str]:
    urls = []
    for match in _URL.finditer(text):
        url = match.group(0)
        # Punctuation that ends a sentence is not part of the URL, nor is a closing
        # bracket whose opening one is outside it ("(see https://x.example/a)"); a
        # balanced one is ("https://en.wikipedia.org/wiki/Mercury_(planet)").
        while url:
            last = url[-1]
            opener = _OPENERS.get(last)
            if last in _TRAILING or (opener and url.count(opener) < url.count(last)):
                url = url[:-1]
            else:
                break
        if url.partition("://")[2]:  # not a bare "https://"
            urls.append(url)
    return urls


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li", "h1", "h2", "h3", "td"):
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def _html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return "".join(extractor.chunks)


# One-time codes. A candidate is a run of 4 to 8 digits standing alone: not part of
# a date (2026-11-27, 27/11/2026, 27.11.2026), a time (10:30), a price ($1234,
# 1,234.00, 12.50 EUR, 2500€), a percentage, a phone number (+1 555 123 4567,
# (555) 123-4567, 555-1234) or an identifier glued to letters (ORDER1234). A bare
# year (1900-2099) counts only right after a code keyword ("Your code is 2026").
# Candidates after a keyword such as "code" or "OTP" (on the same line) come first;
# letter-and-digit codes ("X7K9Q2") and split codes ("482 913") are taken only there.
_KEYWORD = (
    r"\b(?:code|otp|passcode|pass\s*code|pin|verification|verify|one[-\s]?time|"
    r"security|token|confirmation|2fa|mfa|login)s?\b"
)
_NUMERIC = re.compile(r"(?<![\w.,/:+\-$€£¥#])(\d{4,8})(?![\w]|[.,/:\-]\d|\s?%)")
# After the keyword: up to 40 characters without a digit or a line break, then the
# first word that holds a digit (so "Your verification code is X7K9Q2" skips
# "code is"), or two groups of three digits.
_NEAR_KEYWORD = re.compile(
    _KEYWORD + r"(?P<filler>[^\n\d]{0,40}?)\b(?P<code>\d{3}[- ]\d{3}|(?=[A-Z]*\d)[A-Z0-9]{4,10})\b",
    re.IGNORECASE,
)
# "code: 2026" and "code is 2026" name a code; "code expires in 2026" names a year.
_RIGHT_AFTER = re.compile(r"[\s:=#\-]*(?:is|was)?[\s:=#\-]*", re.IGNORECASE)
_PHONE_CONTEXT = re.compile(r"(?:\+\d|\(\d{2,4}\)|\d{2,4}[ \-.]\d{2,4}[ \-.])\s*$")
_YEAR = re.compile(r"^(19|20)\d\d$")
# What around a candidate shows it is some other number.
_CURRENCY = r"(?:[$€£¥₹₽₩¢]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|CNY|SEK|NOK|DKK|PLN)\b)"
_OTHER_BEFORE = re.compile(
    r"(?:\d[.,/:\-]"  # the tail of 27/11/2026, 10:30, 1,234
    r"|" + _CURRENCY + r"\s?"  # $1234, EUR 2500
    r"|\b\d{3}[ .]"  # the first group of a local phone number: 555 1234
    r")$"
)
_OTHER_AFTER = re.compile(
    r"(?:[.,/:\-]\d"  # the head of 2026-11-27, 1234.00
    r"|\s?(?:%|percent\b)"  # 15%, 1500 percent
    r"|\s?" + _CURRENCY + r"|\s(?:dollars|euros|pounds)\b"  # 2500€, 1234 USD
    r"|[ \-.]\d{3}"  # the first group of a phone number: 555 123 4567
    r")"
)


def find_codes(text: str) -> list[str]:
    """One-time codes in `text`, the most likely first; see the rules above."""
    preferred: list[str] = []
    for match in _NEAR_KEYWORD.finditer(text):
        token = match.group("code")
        compact = token.replace("-", "").replace(" ", "")
        if not compact.isdigit() and not token.isupper():
            continue  # "user42", "ab12cd": words, not codes
        if _YEAR.match(compact) and not _RIGHT_AFTER.fullmatch(match.group("filler")):
            continue
        if _is_other_number(text, match.start("code"), match.end("code")):
            continue
        preferred.append(compact)
    others: list[str] = []
    for match in _NUMERIC.finditer(text):
        digits = match.group(1)
        if _YEAR.match(digits) or _is_other_number(text, match.start(1), match.end(1)):
            continue
        others.append(digits)
    return list(dict.fromkeys(preferred + others))


def _is_other_number(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a date, time, price, percentage or phone number."""
    before = text[max(0, start - 24) : start]
    after = text[end : end + 24]
    return bool(
        _PHONE_CONTEXT.search(before) or _OTHER_BEFORE.search(before) or _OTHER_AFTER.match(after)
    )
