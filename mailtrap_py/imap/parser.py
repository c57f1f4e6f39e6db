"""Bytes in, commands out: the IMAP command reader (RFC 3501 section 9), sans-IO.

Modelled on h11: `feed()` the bytes a socket gave, then call `next_event()` until it
returns None (it needs more bytes). A command is a tag, a name and its arguments as
tokens: `str` for an atom, `bytes` for a quoted string or a literal, `list` for a
parenthesised list. The grammar of each command's arguments is the session's
business; this module only knows how IMAP spells strings, lists and literals.

A fetch attribute with a section (`BODY.PEEK[HEADER.FIELDS (To From)]<0.100>`) is
one atom, brackets and all: splitting it at its spaces would lose its shape.

Literals: a line that ends in `{n}` announces n bytes that follow the CRLF. For a
synchronising literal the client waits for a continuation request, so the reader
returns `Continue` and the transport sends `+ ...`; a non-synchronising literal
(`{n+}`, RFC 7888 LITERAL+) is simply read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Union

Token = Union[str, bytes, "list[Token]"]

CRLF = b"\r\n"
# Dovecot's imap_max_line_length is 64 KiB; a long UID set from a syncing client
# (mbsync, offlineimap) can take a few KiB, so match it.
MAX_LINE = 64 * 1024
# The largest literal accepted: an APPEND of a message up to this size.
MAX_LITERAL = 64 * 1024 * 1024

_LITERAL_AT_END = re.compile(rb"\{(\d{1,20})(\+?)\}\r\n\Z")
_ATOM_END = frozenset(b' ()"\r\n')
# RFC 3501 `tag`: ASTRING-CHAR except "+", so no list-wildcards, quoted-specials,
# parentheses or "{".
_NOT_TAG = frozenset(b'(){%*"\\+')
_UID_COMMANDS = frozenset({"FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE"})


@dataclass
class Command:
    tag: str
    name: str  # upper case; for `UID FETCH` the name is FETCH and `uid` is True
    args: list[Token] = field(default_factory=list)
    uid: bool = False


@dataclass
class Continue:
    """A synchronising literal was announced: the client waits for `+`."""

    tag: str


@dataclass
class Line:
    """A raw line in line mode (an AUTHENTICATE response, IDLE's DONE)."""

    data: bytes


@dataclass
class Bad:
    """Unparseable input. `tag` is None when even the tag could not be read."""

    tag: str | None
    reason: str
    code: str | None = None  # a response code such as TOOBIG


Event = Command | Continue | Line | Bad


class ParseError(ValueError):
    pass


class Parser:
    """Splits a byte stream into commands; holds partial input between feeds."""

    def __init__(self, *, max_line: int = MAX_LINE, max_literal: int = MAX_LITERAL) -> None:
        self.max_line = max_line
        self.max_literal = max_literal
        # "command" parses commands; "line" hands over raw lines (the session
        # switches it for AUTHENTICATE and IDLE).
        self.mode: Literal["command", "line"] = "command"
        self._buffer = bytearray()
        self._pieces: list[bytes] = []  # the command so far: lines and literal data
        self._literal: int | None = None  # bytes of literal still expected
        self._skip_literal = 0  # bytes of a refused non-synchronising literal to drop
        self._skipping_line = False  # dropping the rest of an overlong line
        self._size = 0

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def next_event(self) -> Event | None:
        while True:
            if self._skip_literal:
                dropped = min(self._skip_literal, len(self._buffer))
                del self._buffer[:dropped]
                self._skip_literal -= dropped
                if self._skip_literal:
                    return None
            if self._literal is not None:
                if len(self._buffer) < self._literal:
                    return None
                self._pieces.append(bytes(self._buffer[: self._literal]))
                del self._buffer[: self._literal]
                self._literal = None
                continue
            end = self._buffer.find(CRLF)
            if end < 0:
                if self._skipping_line:
                    # Keep the last byte: it may be the CR of the CRLF that ends it.
                    del self._buffer[:-1]
                elif len(self._buffer) + self._size > self.max_line:
                    tag = _tag_of(b"".join(self._pieces) + bytes(self._buffer[:64]))
                    self._reset()
                    self._skipping_line = True
                    del self._buffer[:-1]
                    return Bad(tag, "Command line too long", code="TOOBIG")
                return None
            line = bytes(self._buffer[: end + 2])
            del self._buffer[: end + 2]
            if self._skipping_line:
                self._skipping_line = False
                continue
            if self.mode == "line" and not self._pieces:
                return Line(line[:-2])
            self._size += len(line)
            if self._size > self.max_line:
                tag = _tag_of(b"".join(self._pieces) + line[:64])
                self._reset()
                return Bad(tag, "Command line too long", code="TOOBIG")
            match = _LITERAL_AT_END.search(line)
            if match is None:
                pieces = [*self._pieces, line[:-2]]
                self._reset()
                return _command(pieces)
            size, plus = int(match.group(1)), bool(match.group(2))
            self._pieces.append(line[: match.start()])
            self._pieces.append(match.group(0)[:-2])  # the `{n}` marker itself
            if size > self.max_literal:
                tag = _tag_of(self._pieces[0])
                self._reset()
                if plus:
                    # The client sends the bytes anyway (RFC 7888 section 4): read
                    # past them so the next command is found where it starts.
                    self._skip_literal = size
                return Bad(tag, f"Literal too big (over {self.max_literal} bytes)", code="TOOBIG")
            self._literal = size
            if not plus:
                return Continue(_tag_of(self._pieces[0]) or "*")

    def _reset(self) -> None:
        self._pieces = []
        self._literal = None
        self._size = 0


def _tag_of(data: bytes) -> str | None:
    tag = data.split(b" ", 1)[0].split(b"\r", 1)[0]
    if not tag or any(b in _NOT_TAG or b < 0x21 or b > 0x7E for b in tag):
        return None
    return tag.decode("ascii")


def _command(pieces: list[bytes]) -> Command | Bad:
    """Tokenise a whole command: text pieces alternate with `{n}` markers, each
    followed by its literal's bytes."""
    tag = _tag_of(pieces[0])
    if tag is None:
        return Bad(None, "Missing or invalid tag")
    try:
        tokens = tokenize(pieces)
    except ParseError as error:
        return Bad(tag, str(error))
    if len(tokens) < 2 or not isinstance(tokens[1], str):
        return Bad(tag, "Missing command")
    name = tokens[1].upper()
    args = tokens[2:]
    if name == "UID":
        if not args or not isinstance(args[0], str) or args[0].upper() not in _UID_COMMANDS:
            return Bad(tag, "Unknown UID command")
        return Command(tag, args[0].upper(), args[1:], uid=True)
    return Command(tag, name, args)


def tokenize(pieces: list[bytes]) -> list[Token]:
    """Tokens of a command whose literals were already read.

    `pieces` is [text, marker, literal, text, marker, literal, ..., text]: the text
    before each `{n}` marker, the marker, and the literal's bytes.
    """
    top: list[Token] = []
    stack: list[list[Token]] = [top]
    index = 0
    while index < len(pieces):
        text = pieces[index]
        _scan(text, stack)
        if index + 1 < len(pieces):
            # The literal's bytes stand where its marker stood.
            stack[-1].append(pieces[index + 2])
        index += 3
    if len(stack) != 1:
        raise ParseError("Unbalanced parentheses")
    return top


def _scan(text: bytes, stack: list[list[Token]]) -> None:
    position, size = 0, len(text)
    while position < size:
        byte = text[position]
        if byte == 0x20:  # SP
            position += 1
        elif byte == 0x28:  # (
            inner: list[Token] = []
            stack[-1].append(inner)
            stack.append(inner)
            position += 1
        elif byte == 0x29:  # )
            if len(stack) == 1:
                raise ParseError("Unexpected )")
            stack.pop()
            position += 1
        elif byte == 0x22:  # "
            value, position = _quoted(text, position + 1)
            stack[-1].append(value)
        elif byte < 0x20 or byte == 0x7F:
            raise ParseError("Control character in command")
        else:
            atom, position = _atom(text, position)
            stack[-1].append(atom)


def _quoted(text: bytes, position: int) -> tuple[bytes, int]:
    out = bytearray()
    while position < len(text):
        byte = text[position]
        if byte == 0x5C:  # backslash: only \" and \\ are allowed (quoted-specials)
            if position + 1 >= len(text) or text[position + 1] not in b'"\\':
                raise ParseError("Invalid escape in quoted string")
            out.append(text[position + 1])
            position += 2
        elif byte == 0x22:
            return bytes(out), position + 1
        elif byte in (0x0D, 0x0A, 0):
            raise ParseError("Invalid character in quoted string")
        else:
            out.append(byte)
            position += 1
    raise ParseError("Unterminated quoted string")


def _atom(text: bytes, position: int) -> tuple[str, int]:
    """An atom; `[...]` inside it may hold spaces and parentheses (a section)."""
    start, depth = position, 0
    while position < len(text):
        byte = text[position]
        if byte == 0x5B:  # [
            depth += 1
        elif byte == 0x5D and depth:  # ]
            depth -= 1
        elif depth == 0 and byte in _ATOM_END:
            break
        elif byte < 0x20 or byte == 0x7F:
            raise ParseError("Control character in command")
        position += 1
    if depth:
        raise ParseError("Unterminated [ in atom")
    return text[start:position].decode("utf-8", "surrogateescape"), position
