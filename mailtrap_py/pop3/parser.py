"""Bytes in, lines and commands out: the POP3 reader, with no sockets and no store.

`LineReader.feed(data)` returns the complete lines the bytes finished, and an
`OverlongLine` marker for any line that ran past the buffer's limit (its bytes are
dropped up to the next line end, so one runaway line costs one `-ERR`, not the
connection). The reader's limit is the longest line any state accepts (a SASL
response); the session applies the shorter command limit itself.
`parse_command(line)` splits a line into a keyword and its argument text.
"""

from __future__ import annotations

from dataclasses import dataclass

# RFC 2449 section 4: a command line, CRLF included, is at most 255 octets. Clients
# overstep it (long user names, tokens as passwords), and servers are lenient:
# Dovecot 2.3.19 takes a 1,000-octet USER line and hangs up somewhere below 3,000
# (measured with the benchmark's configuration). Take 1 KiB, four times the RFC,
# and answer -ERR past it instead of hanging up.
MAX_LINE_LENGTH = 1024

# A SASL response line (the client's answer to a "+ " challenge, RFC 5034) is not a
# command, and base64 makes it a third longer than what it carries: a PLAIN
# response with a long password, or a bearer token, passes 1 KiB easily. 8 KiB is
# the most any line may take; it also caps what one connection buffers.
MAX_SASL_LINE_LENGTH = 8192

# RFC 1939 section 3: a keyword is three or four characters; no real extension
# uses more than 8. Longer first words are junk, reported without echoing them.
MAX_KEYWORD_LENGTH = 8


@dataclass(frozen=True)
class OverlongLine:
    """A line that passed the limit; `length` is how much of it was read."""

    length: int


@dataclass(frozen=True)
class Command:
    """One command line: `name` upper-cased, `argument` the rest after one space.

    RFC 1939 section 3: keywords are case-insensitive; arguments are separated by
    single spaces. The argument is kept whole because PASS takes the rest of the
    line (a password may contain spaces, as Dovecot and most servers allow).
    """

    name: str
    argument: str

    @property
    def arguments(self) -> list[str]:
        """The argument split on spaces, empty fields dropped."""
        return self.argument.split()


class LineReader:
    """A receive buffer that yields lines (without their CRLF) and caps their length.

    RFC 1939 section 3 ends lines with CRLF; a bare LF ends one too, as in every
    real server, so a client written with `\\n` still works. The CR before the LF
    is stripped; other bytes are passed through untouched.
    """

    def __init__(self, max_line_length: int = MAX_SASL_LINE_LENGTH) -> None:
        self.max_line_length = max_line_length
        self._buffer = bytearray()
        # Bytes of an over-long line seen so far, while dropping the rest of it.
        self._dropping: int | None = None

    def feed(self, data: bytes) -> list[bytes | OverlongLine]:
        """Take `data`; return the lines it completed, in order."""
        out: list[bytes | OverlongLine] = []
        self._buffer += data
        start = 0
        buffer = self._buffer
        while True:
            end = buffer.find(b"\n", start)
            if end < 0:
                break
            if self._dropping is not None:
                out.append(OverlongLine(self._dropping + end - start + 1))
                self._dropping = None
            elif end + 1 - start > self.max_line_length:
                out.append(OverlongLine(end + 1 - start))
            else:
                stop = end - 1 if end > start and buffer[end - 1] == 0x0D else end
                out.append(bytes(buffer[start:stop]))
            start = end + 1
        del buffer[:start]
        if len(buffer) >= self.max_line_length:
            # No line end in sight: drop what is there and keep counting.
            self._dropping = (self._dropping or 0) + len(buffer)
            buffer.clear()
        return out

    def discard(self) -> int:
        """Drop anything buffered; returns how many bytes that was (STLS needs it)."""
        dropped = len(self._buffer)
        self._buffer.clear()
        self._dropping = None
        return dropped

    @property
    def buffered(self) -> int:
        return len(self._buffer)


def parse_command(line: bytes) -> Command:
    """Split a line into keyword and argument. Never raises.

    Bytes that are not UTF-8 are replaced (U+FFFD), so junk becomes an unknown
    keyword or an argument that fails its own check, never an exception.
    """
    text = line.decode("utf-8", "replace")
    name, _, argument = text.partition(" ")
    return Command(name.upper(), argument)
