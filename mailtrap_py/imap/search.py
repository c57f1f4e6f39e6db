"""SEARCH programs (RFC 3501 section 6.4.4, MODSEQ from RFC 7162 section 3.1.5).

A program is parsed once from the command's tokens into a tree of keys, then run
over a folder's entries. Running binds the tree to the mailbox (how many messages,
the largest UID, which are \\Recent) and gets one predicate per entry, so the
per-message work is plain Python calls with nothing re-parsed.

Cost matters: a client's `SEARCH FROM x` reads every message in the folder. Header
keys find their field in the raw header block and never build a MIME tree; only
BODY and TEXT parse a whole message, and not even those when the message is plain
ASCII without the words. Within an AND the cheap keys (flags, UIDs, sizes) run
first, so `UNSEEN FROM x` reads the headers of unseen mail only.

Where RFC 3501 leaves room (which day a date is on, a date that does not exist,
what TEXT covers), the answers are Dovecot 2.3's, checked against it.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator, Sequence, Set
from datetime import date, timezone
from email.header import decode_header
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TypeAlias

from mailtrap_py.imap.dates import MONTH_NUMBERS
from mailtrap_py.imap.parser import Token
from mailtrap_py.imap.sequence import SequenceError, SequenceSet
from mailtrap_py.message import Message
from mailtrap_py.store import Entry

Predicate: TypeAlias = Callable[[Entry, int], bool]
"""Whether an entry (with its 1-based sequence number) matches."""

CHARSETS = ("UTF-8", "US-ASCII")
"""What `CHARSET` accepts, for `NO [BADCHARSET (UTF-8 US-ASCII)]`. Search strings
are read as UTF-8 either way: US-ASCII is a subset of it."""

# Nesting of NOT, OR and parentheses. Far beyond any real client, and keeps both
# parsing and running well inside Python's recursion limit.
_MAX_DEPTH = 64


class SearchError(ValueError):
    """Not a search program we run; the text says why.

    `code` is a response code for a tagged NO (`BADCHARSET`); without one the
    program was malformed and the answer is a tagged BAD (RFC 3501 section 6.4.4).
    """

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.code = code


class _Mailbox:
    """What a search needs to know about the folder beyond the entry in hand."""

    __slots__ = ("count", "last_uid", "recent")

    def __init__(self, count: int, last_uid: int, recent: Set[int]) -> None:
        self.count = count
        self.last_uid = last_uid
        self.recent = recent


class SearchProgram:
    """A parsed SEARCH: run it over a folder's entries for matching sequence numbers."""

    __slots__ = ("_root", "uses_modseq")

    def __init__(self, root: _Key, uses_modseq: bool) -> None:
        self._root = root
        # RFC 7162 section 3.1.5: a SEARCH that used MODSEQ ends its response with
        # the highest mod-sequence of the messages found.
        self.uses_modseq = uses_modseq

    def run(self, entries: Sequence[Entry], recent: Set[int]) -> list[int]:
        """1-based sequence numbers of the matching entries, ascending.

        `recent` holds the UIDs that are \\Recent in this session: RFC 3501 makes
        \\Recent a per-session fact, so the session, not the store, knows it.
        """
        box = _Mailbox(len(entries), entries[-1].uid if entries else 0, recent)
        match = self._root.bind(box)
        return [number for number, entry in enumerate(entries, 1) if match(entry, number)]

    def __repr__(self) -> str:
        return f"SearchProgram({self._root!r})"


def parse_search(args: list[Token]) -> SearchProgram:
    """The program in the arguments of SEARCH or UID SEARCH (after the command name).

    RFC 3501 section 6.4.4: `[CHARSET name] key...`, the keys ANDed together.
    """
    tokens = list(args)
    first = tokens[0] if tokens else None
    if isinstance(first, str) and first.isascii() and first.upper() == "CHARSET":
        if len(tokens) < 2:
            raise SearchError("CHARSET needs a charset name")
        charset = _string(tokens[1], "charset name")
        if charset.upper() not in CHARSETS:
            raise SearchError(f"unsupported charset {charset!r}", code="BADCHARSET")
        tokens = tokens[2:]
    parser = _Parser()
    root = parser.keys(tokens, 0)
    return SearchProgram(root, parser.uses_modseq)


# -- keys ------------------------------------------------------------------------


# Costs: what a key has to read to answer.
_COST_ENTRY = 0  # flags, UID, sequence number, size, modseq: already in memory
_COST_DATE = 1  # the internal date, also in memory, but a datetime to convert
_COST_HEADERS = 2  # the header block of the raw bytes
_COST_BODY = 3  # the whole MIME tree


class _Key:
    """One search key. `cost` orders the keys of an AND: cheapest first."""

    cost = _COST_ENTRY

    def bind(self, box: _Mailbox) -> Predicate:
        raise NotImplementedError


class _All(_Key):
    def bind(self, box: _Mailbox) -> Predicate:
        return lambda entry, number: True

    def __repr__(self) -> str:
        return "ALL"


class _Nothing(_Key):
    """Matches no message: a search for what cannot exist."""

    def bind(self, box: _Mailbox) -> Predicate:
        return lambda entry, number: False

    def __repr__(self) -> str:
        return "NOTHING"


class _Flag(_Key):
    """A flag set (or not). Flags compare case-insensitively, as in Dovecot:
    clients send `\\SEEN` and keywords in whatever case they were stored in."""

    def __init__(self, flag: str, present: bool) -> None:
        self.flag = flag
        self.present = present

    def bind(self, box: _Mailbox) -> Predicate:
        flag, lower, present = self.flag, self.flag.lower(), self.present

        def match(entry: Entry, number: int) -> bool:
            flags = entry.flags
            if flag in flags:
                return present
            if flags and any(f.lower() == lower for f in flags):
                return present
            return not present

        return match

    def __repr__(self) -> str:
        return f"{'' if self.present else 'UN'}FLAG {self.flag}"


class _Recent(_Key):
    """RECENT, or NEW (\\Recent and not \\Seen); OLD is NOT RECENT."""

    def __init__(self, unseen_too: bool) -> None:
        self.unseen_too = unseen_too

    def bind(self, box: _Mailbox) -> Predicate:
        recent = box.recent
        if not self.unseen_too:
            return lambda entry, number: entry.uid in recent
        seen = _Flag("\\Seen", True).bind(box)
        return lambda entry, number: entry.uid in recent and not seen(entry, number)

    def __repr__(self) -> str:
        return "NEW" if self.unseen_too else "RECENT"


class _Numbers(_Key):
    """A sequence set, of sequence numbers or (UID key) of UIDs; `*` is the last."""

    def __init__(self, numbers: SequenceSet, uid: bool) -> None:
        self.numbers = numbers
        self.uid = uid

    def bind(self, box: _Mailbox) -> Predicate:
        spans = sorted(self.numbers.bounds(box.last_uid if self.uid else box.count))
        if self.uid:
            return lambda entry, number: any(lo <= entry.uid <= hi for lo, hi in spans)
        return lambda entry, number: any(lo <= number <= hi for lo, hi in spans)

    def __repr__(self) -> str:
        return f"{'UID ' if self.uid else ''}{self.numbers.text}"


class _Size(_Key):
    """LARGER / SMALLER: RFC822.SIZE, the raw message's length in octets."""

    def __init__(self, larger: bool, size: int) -> None:
        self.larger = larger
        self.size = size

    def bind(self, box: _Mailbox) -> Predicate:
        size = self.size
        if self.larger:
            return lambda entry, number: len(entry.message.raw) > size
        return lambda entry, number: len(entry.message.raw) < size

    def __repr__(self) -> str:
        return f"{'LARGER' if self.larger else 'SMALLER'} {self.size}"


class _Modseq(_Key):
    """RFC 7162 section 3.1.5: messages whose mod-sequence is at least `value`."""

    def __init__(self, value: int) -> None:
        self.value = value

    def bind(self, box: _Mailbox) -> Predicate:
        value = self.value
        return lambda entry, number: entry.modseq >= value

    def __repr__(self) -> str:
        return f"MODSEQ {self.value}"


class _Date(_Key):
    """BEFORE / ON / SINCE and the SENT forms: RFC 3501 compares calendar days,
    "disregarding time and timezone". As Dovecot 2.3 does: the Date header's day
    is the day it names, in its own zone; the internal date's is the day in UTC
    (a server's clock, which Dovecot keeps it in); and a message without a
    parseable Date header was sent on 1-Jan-1970.
    """

    def __init__(self, op: str, day: date, sent: bool) -> None:
        self.op = op
        self.day = day
        self.sent = sent
        self.cost = _COST_HEADERS if sent else _COST_DATE

    def bind(self, box: _Mailbox) -> Predicate:
        day, sent = self.day, self.sent

        def when(entry: Entry) -> date:
            if sent:
                return _sent_date(entry.message)
            moment = entry.internal_date
            return (moment.astimezone(timezone.utc) if moment.tzinfo else moment).date()

        if self.op == "BEFORE":
            return lambda entry, number: when(entry) < day
        if self.op == "ON":
            return lambda entry, number: when(entry) == day
        return lambda entry, number: when(entry) >= day

    def __repr__(self) -> str:
        return f"{'SENT' if self.sent else ''}{self.op} {self.day.isoformat()}"


class _Header(_Key):
    """FROM, TO, CC, BCC, SUBJECT and HEADER: a substring of the field's value.

    The value matches as it is in the message and with its RFC 2047 encoded words
    decoded, so `FROM Jörg` finds `=?utf-8?q?J=C3=B6rg?=` and `FROM =?utf-8`
    still finds it too (Dovecot matches the decoded value only: a test looking
    for the encoded form is better served finding it). An empty string matches
    every message with the field.
    """

    cost = _COST_HEADERS

    def __init__(self, field: str, needle: str) -> None:
        self.field = field
        # Runs of blanks count as one space on both sides: a folded subject reads
        # "a long subject" in ENVELOPE, and Dovecot finds it by that text.
        self.needle = _BLANKS.sub(" ", needle.casefold())

    def bind(self, box: _Mailbox) -> Predicate:
        field, needle = self.field, self.needle

        def match(entry: Entry, number: int) -> bool:
            return any(needle in value for value in _field_values(entry.message, field))

        return match

    def __repr__(self) -> str:
        return f"HEADER {self.field} {self.needle!r}"


class _Body(_Key):
    """BODY: the decoded text of the message's text/* parts (RFC 3501: "in the
    body of the message"; a client means the words it shows, not base64)."""

    cost = _COST_BODY

    def __init__(self, needle: str) -> None:
        self.needle = needle.casefold()

    def bind(self, box: _Mailbox) -> Predicate:
        needle = self.needle
        # The needle as the bytes it would be in a plain ASCII message (None: it
        # cannot be in one).
        plain = needle.encode("ascii") if needle.isascii() else None

        def match(entry: Entry, number: int) -> bool:
            message = entry.message
            if not _may_contain(message.raw, plain):
                return False
            return any(needle in text for text in _body_texts(message))

        return match

    def __repr__(self) -> str:
        return f"BODY {self.needle!r}"


class _Text(_Key):
    """TEXT: the header block (as sent and decoded) or the body as BODY reads it,
    or (as in Dovecot) the header lines of any MIME part or attached message."""

    cost = _COST_BODY

    def __init__(self, needle: str) -> None:
        self.needle = needle.casefold()

    def bind(self, box: _Mailbox) -> Predicate:
        needle = self.needle
        plain = needle.encode("ascii") if needle.isascii() else None  # as in _Body

        def match(entry: Entry, number: int) -> bool:
            message = entry.message
            if not _may_contain(message.raw, plain, text=True):
                return False
            if any(needle in text for text in _header_texts(message)):
                return True
            return any(needle in text for text in _body_texts(message, part_headers=True))

        return match

    def __repr__(self) -> str:
        return f"TEXT {self.needle!r}"


class _Not(_Key):
    def __init__(self, key: _Key) -> None:
        self.key = key
        self.cost = key.cost

    def bind(self, box: _Mailbox) -> Predicate:
        inner = self.key.bind(box)
        return lambda entry, number: not inner(entry, number)

    def __repr__(self) -> str:
        return f"NOT {self.key!r}"


class _Or(_Key):
    def __init__(self, left: _Key, right: _Key) -> None:
        # The cheaper side first: when it matches, the other is never read.
        self.keys = sorted((left, right), key=lambda k: k.cost)
        self.cost = max(left.cost, right.cost)

    def bind(self, box: _Mailbox) -> Predicate:
        first, second = (key.bind(box) for key in self.keys)
        return lambda entry, number: first(entry, number) or second(entry, number)

    def __repr__(self) -> str:
        return f"OR {self.keys[0]!r} {self.keys[1]!r}"


class _And(_Key):
    def __init__(self, keys: list[_Key]) -> None:
        # Stable sort: keys of one cost keep the order the client wrote them in.
        self.keys = sorted(keys, key=lambda k: k.cost)
        self.cost = max(k.cost for k in keys)

    def bind(self, box: _Mailbox) -> Predicate:
        tests = [key.bind(box) for key in self.keys]

        def match(entry: Entry, number: int) -> bool:
            # A loop, not all(...): no generator made per message.
            for test in tests:  # noqa: SIM110
                if not test(entry, number):
                    return False
            return True

        return match

    def __repr__(self) -> str:
        return f"({' '.join(map(repr, self.keys))})"


# -- reading messages ------------------------------------------------------------

_UNFOLD = re.compile(rb"\r?\n(?=[ \t])")
_BLANKS = re.compile(r"[ \t]+")
_EPOCH = date(1970, 1, 1)
_COLON = re.compile(rb"[ \t]*:")


def _header_block(raw: bytes) -> bytes:
    """The header lines of `raw` (all of it if there is no body)."""
    if raw.startswith((b"\r\n", b"\n")):
        return b""
    # A few finds in C instead of the regex `\r?\n\r?\n`, which costs as much as the
    # whole rest of a header search. Every form of that regex holds `\n\n` or
    # `\n\r\n`, perhaps after a `\r`; CRLF, what SMTP delivers, bounds the search.
    crlf = raw.find(b"\r\n\r\n")
    limit = crlf + 4 if crlf >= 0 else len(raw)
    start = len(raw)
    for blank in (b"\n\n", b"\n\r\n"):
        at = raw.find(blank, 0, limit)
        if at >= 0:
            start = min(start, at - 1 if at and raw[at - 1] == 0x0D else at)
            limit = min(limit, start + 4)
    return raw[:start]


@lru_cache(maxsize=64)
def _field_name(field: str) -> tuple[bytes, bytes]:
    """The field name lower-cased, alone and after a line break, to find it by."""
    name = field.encode("utf-8", "replace").lower()
    return name, b"\n" + name


def _raw_values(block: bytes, field: str) -> list[bytes]:
    """Each value of `field` in a header block, continuation lines included.

    A field starts a line and a continuation line starts with a space or tab, so
    `name` at the start of a line followed by `:` is the field and nothing else
    (not `X-Foo-Bar` for `X-Foo`). Finding the name in the lower-cased block and
    the line ends with `find` is several times faster than a regex over it: this
    runs once a message for every header key of a search.
    """
    name, after_break = _field_name(field)
    lowered = block.lower()
    starts = [0] if lowered.startswith(name) else []
    at = lowered.find(after_break)
    while at >= 0:
        starts.append(at + 1)
        at = lowered.find(after_break, at + 1)
    values = []
    for start in starts:
        begin = start + len(name)
        if block[begin : begin + 1] == b":":
            begin += 1
        else:  # `Subject :`, or another field that starts with this name
            colon = _COLON.match(block, begin)
            if colon is None:
                continue
            begin = colon.end()
        end = block.find(b"\n", begin)
        while end >= 0 and block[end + 1 : end + 2] in (b" ", b"\t"):
            end = block.find(b"\n", end + 1)
        values.append(block[begin:] if end < 0 else block[begin:end])
    return values


def _field_values(message: Message, field: str) -> Iterator[str]:
    """Each value of a field, case-folded: as sent, then decoded if it differs."""
    for raw in _raw_values(_header_block(message.raw), field):
        if b"\n" in raw:
            raw = _UNFOLD.sub(b"", raw)
        value = raw.strip().decode("utf-8", "replace")
        if "\t" in value or "  " in value:
            value = _BLANKS.sub(" ", value)
        yield value.casefold()
        if "=?" in value:
            decoded = _decode_words(value)
            if decoded != value:
                yield decoded.casefold()


def _sent_date(message: Message) -> date:
    """The day of the first Date header, in the header's own zone (the epoch's
    first day if there is none, or it is not a date).

    Read here rather than from `message.date`: that builds the message's whole
    header summary (ten times the work) the first time a folder is searched.
    """
    for raw in _raw_values(_header_block(message.raw), "Date"):
        try:
            return parsedate_to_datetime(_UNFOLD.sub(b"", raw).decode("ascii", "replace")).date()
        except Exception:  # TypeError, ValueError, OverflowError: junk of every kind
            return _EPOCH
    return _EPOCH


def _decode_words(value: str) -> str:
    """`value` with its RFC 2047 encoded words decoded; unknown charsets and
    broken encodings degrade to replacement characters, never an error."""
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            # decode_header hands back unencoded text in this codec.
            out.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            try:
                out.append(chunk.decode(charset, "replace"))
            except LookupError:
                out.append(chunk.decode("utf-8", "replace"))
    return "".join(out)


def _header_texts(message: Message) -> Iterator[str]:
    """For TEXT: the whole header block as sent, then each field decoded."""
    block = _header_block(message.raw).decode("utf-8", "replace")
    yield block.casefold()
    if "=?" in block:
        unfolded = _UNFOLD.sub(b"", _header_block(message.raw)).decode("utf-8", "replace")
        yield "\n".join(_decode_words(line) for line in unfolded.splitlines()).casefold()


_CHARSET = re.compile(rb"charset\s*=\s*\"?([^\s\";]*)")
_TRANSFER = re.compile(rb"content-transfer-encoding\s*:\s*([^\s;]*)")
# Charsets that read ASCII bytes as those same characters.
_IDENTITY_CHARSET = re.compile(
    rb"(?:us-)?ascii|utf-?8|iso-?8859-\d{1,2}|(?:windows|cp)-?125\d|latin-?1"
)
_IDENTITY_TRANSFER = (b"7bit", b"8bit", b"binary")


def _may_contain(raw: bytes, plain: bytes | None, text: bool = False) -> bool:
    """Whether BODY (or with `text`, TEXT) could find the needle in `raw`; False
    only when it cannot.

    Most captured mail is plain ASCII text: 7bit, in an ASCII-compatible charset.
    Then each decoded text part is ASCII bytes that are in `raw` as they are, and
    case-folding ASCII is lower-casing it, so `bytes.lower()` and one find answer
    for the MIME parse. Anything else (8-bit bytes, base64, quoted-printable, a
    charset that spells ASCII otherwise, like UTF-16 or UTF-7) gets the parse.
    TEXT also reads encoded words decoded and the header lines of MIME parts as
    the parser gives them, so for TEXT a message with either gets the parse too.
    """
    if not raw.isascii():
        return True
    lowered = raw.lower()
    if text and (b"=?" in lowered or b"multipart" in lowered or b"message/" in lowered):
        return True
    if b"charset*" in lowered:  # an RFC 2231 charset: leave it to the parser
        return True
    for found in _CHARSET.finditer(lowered):
        if not _IDENTITY_CHARSET.fullmatch(found.group(1)):
            return True
    for found in _TRANSFER.finditer(lowered):
        if found.group(1) not in _IDENTITY_TRANSFER:
            return True
    return plain is not None and plain in lowered


def _body_texts(message: Message, part_headers: bool = False) -> Iterator[str]:
    """The decoded text of each text/* part (attached messages' parts included),
    and with `part_headers` each part's header lines (not the message's own).

    Base64 and quoted-printable are undone and the part's charset applied (UTF-8
    if unknown), so a client's BODY finds the words the message shows.

    A fresh compat32 parse, not the message's cached `parsed` view: it is three
    times faster to build and read (no header objects), and a BODY search over a
    whole folder then leaves no parse tree behind on every message it read.
    """
    root = email.message_from_bytes(message.raw, policy=email.policy.compat32)
    for part in root.walk():
        if part_headers and part is not root:
            lines = "\n".join(f"{name}: {value}" for name, value in part.items())
            yield lines.casefold()
            if "=?" in lines:
                yield _decode_words(lines).casefold()
        # A multipart leaf is a container whose boundary never appears: what it
        # holds is still words the sender wrote, so it reads as text.
        if part.is_multipart() or part.get_content_maintype() not in ("text", "multipart"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "us-ascii"
        try:
            text = payload.decode(charset, "replace")
        except (LookupError, ValueError):  # unknown or unusable charset name
            text = payload.decode("utf-8", "replace")
        yield text.casefold()


# -- parsing ---------------------------------------------------------------------

_FLAG_KEYS = {
    "ANSWERED": ("\\Answered", True),
    "DELETED": ("\\Deleted", True),
    "DRAFT": ("\\Draft", True),
    "FLAGGED": ("\\Flagged", True),
    "SEEN": ("\\Seen", True),
    "UNANSWERED": ("\\Answered", False),
    "UNDELETED": ("\\Deleted", False),
    "UNDRAFT": ("\\Draft", False),
    "UNFLAGGED": ("\\Flagged", False),
    "UNSEEN": ("\\Seen", False),
}
_HEADER_KEYS = {"BCC": "Bcc", "CC": "Cc", "FROM": "From", "SUBJECT": "Subject", "TO": "To"}
_DATE_KEYS = {
    "BEFORE": ("BEFORE", False),
    "ON": ("ON", False),
    "SINCE": ("SINCE", False),
    "SENTBEFORE": ("BEFORE", True),
    "SENTON": ("ON", True),
    "SENTSINCE": ("SINCE", True),
}
_DATE_TEXT = re.compile(r"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")
_DIGITS = re.compile(r"[0-9]{1,20}")
# RFC 3501 `number` stops at 2^32 - 1 and RFC 7162's mod-sequence at 2^63 - 1;
# Dovecot reads both as 64-bit unsigned, and a larger bound hurts nobody.
_NUMBER_MAX = 0xFFFFFFFFFFFFFFFF
_ENTRY_TYPES = ("PRIV", "SHARED", "ALL")


class _Parser:
    """Recursive descent over the tokens; `uses_modseq` notes a MODSEQ anywhere."""

    def __init__(self) -> None:
        self.uses_modseq = False

    def keys(self, tokens: list[Token], depth: int) -> _Key:
        """One or more keys, ANDed: the whole command or a parenthesised group."""
        if depth > _MAX_DEPTH:
            raise SearchError("search program nested too deeply")
        if not tokens:
            raise SearchError("missing search key" if depth == 0 else "empty parentheses")
        stream = iter(tokens)
        found = []
        for token in stream:
            found.append(self.key(token, stream, depth))
        return found[0] if len(found) == 1 else _And(found)

    def key(self, token: Token, stream: Iterator[Token], depth: int) -> _Key:
        if isinstance(token, list):
            return self.keys(token, depth + 1)
        if isinstance(token, bytes):
            raise SearchError(f"expected a search key, got string {_show(token)}")
        # ASCII only: "ſeen".upper() is "SEEN", and no key is spelled that way.
        name = token.upper() if token.isascii() else token

        def arg(what: str) -> Token:
            found = next(stream, None)
            if found is None:
                raise SearchError(f"{name} needs {what}")
            return found

        if name == "ALL":
            return _All()
        if name in _FLAG_KEYS:
            return _Flag(*_FLAG_KEYS[name])
        if name in ("KEYWORD", "UNKEYWORD"):
            flag = _string(arg("a keyword"), name)
            if not flag:
                raise SearchError(f"{name} needs a keyword")
            if flag.startswith("\\"):
                # A system flag is no keyword: no message has it as one (Dovecot).
                return _Nothing() if name == "KEYWORD" else _All()
            return _Flag(flag, name == "KEYWORD")
        if name == "RECENT":
            return _Recent(unseen_too=False)
        if name == "NEW":
            return _Recent(unseen_too=True)
        if name == "OLD":
            return _Not(_Recent(unseen_too=False))
        if name in _HEADER_KEYS:
            return _Header(_HEADER_KEYS[name], _string(arg("a string"), name))
        if name == "HEADER":
            field = _string(arg("a field name and a string"), "HEADER field name")
            needle = _string(arg("a string after the field name"), name)
            if not field or any(c <= " " or c == ":" or c == "\x7f" for c in field):
                return _Nothing()  # no message has such a field (Dovecot: OK, none)
            return _Header(field, needle)
        if name == "BODY":
            return _Body(_string(arg("a string"), name))
        if name == "TEXT":
            return _Text(_string(arg("a string"), name))
        if name in _DATE_KEYS:
            op, sent = _DATE_KEYS[name]
            return _Date(op, _date(arg("a date"), name), sent)
        if name in ("LARGER", "SMALLER"):
            return _Size(name == "LARGER", _number(arg("a number"), name, _NUMBER_MAX))
        if name == "UID":
            numbers = arg("a UID set")
            if not isinstance(numbers, str):
                raise SearchError(f"UID needs a UID set, got {_show(numbers)}")
            return _Numbers(_sequence(numbers), uid=True)
        if name == "MODSEQ":
            return self.modseq(arg)
        if name == "NOT":
            if depth >= _MAX_DEPTH:
                raise SearchError("search program nested too deeply")
            return _Not(self.key(arg("a search key"), stream, depth + 1))
        if name == "OR":
            if depth >= _MAX_DEPTH:
                raise SearchError("search program nested too deeply")
            left = self.key(arg("two search keys"), stream, depth + 1)
            right = self.key(arg("two search keys"), stream, depth + 1)
            return _Or(left, right)
        if name in ("(", ")"):
            raise SearchError("unbalanced parentheses")
        if name == "$":
            # RFC 5182's saved result; nothing is ever saved here, so it is empty.
            return _Nothing()
        if token and token[0] in "0123456789*":
            return _Numbers(_sequence(token), uid=False)
        raise SearchError(f"unknown search key {token!r}")

    def modseq(self, arg: Callable[[str], Token]) -> _Key:
        """`MODSEQ [entry-name entry-type] value` (RFC 7162 section 3.1.5). There is
        one mod-sequence a message here, so the entry name and type only need to
        be well formed."""
        self.uses_modseq = True
        first = arg("a mod-sequence value")
        if isinstance(first, str) and _DIGITS.fullmatch(first):
            return _Modseq(_number(first, "MODSEQ", _NUMBER_MAX))
        _string(first, "MODSEQ entry name")
        kind = arg("an entry type after the entry name")
        if not isinstance(kind, str) or not kind.isascii() or kind.upper() not in _ENTRY_TYPES:
            raise SearchError(f"MODSEQ entry type must be priv, shared or all, not {_show(kind)}")
        return _Modseq(_number(arg("a mod-sequence value"), "MODSEQ", _NUMBER_MAX))


def _show(token: Token) -> str:
    """A token for an error message, short."""
    if isinstance(token, list):
        return "a parenthesised list"
    text = repr(token)
    return text if len(text) <= 40 else text[:37] + "..."


def _string(token: Token, what: str) -> str:
    """An astring argument: an atom, or a quoted string or literal read as UTF-8."""
    if isinstance(token, bytes):
        return token.decode("utf-8", "replace")
    if isinstance(token, str):
        # RFC 3501 atoms are ASCII: other text has to come quoted or as a literal
        # (Dovecot answers BAD too), or its charset would be anybody's guess.
        if not token.isascii():
            raise SearchError(f"{what}: 8-bit text must be quoted or sent as a literal")
        return token
    raise SearchError(f"{what} needs a string, got {_show(token)}")


def _number(token: Token, what: str, limit: int) -> int:
    text = _string(token, what)
    if not _DIGITS.fullmatch(text) or int(text) > limit:
        raise SearchError(f"{what} needs a number, got {_show(token)}")
    return int(text)


def _date(token: Token, what: str) -> date:
    """RFC 3501 `date`: `1-Feb-1994`, as an atom or quoted."""
    text = _string(token, what)
    found = _DATE_TEXT.fullmatch(text)
    month = MONTH_NUMBERS.get(found.group(2).upper()) if found else None
    if found is None or month is None:
        raise SearchError(f"{what} needs a date like 1-Feb-1994, got {_show(token)}")
    # No such day (31-Feb-2025, 0-Jan-2025): Dovecot answers OK, as if the date
    # were after every message (BEFORE finds all, ON and SINCE none); year 0 is
    # before every message.
    year = int(found.group(3))
    if year == 0:
        return date.min
    try:
        return date(year, month, int(found.group(1)))
    except ValueError:
        return date.max


def _sequence(text: str) -> SequenceSet:
    try:
        return SequenceSet.parse(text)
    except SequenceError as err:
        raise SearchError(str(err)) from None
