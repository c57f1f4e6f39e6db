"""One POP3 session, sans-IO: bytes in, response bytes out, given the store.

`Session.receive_data(data)` feeds the line reader and returns one response (as
bytes, ready to write) per complete command line. The transport writes them, and
looks at `closed` (QUIT was answered: close the connection) and `starttls_pending`
(STLS was answered: upgrade before reading more). Nothing here touches a socket, so
tests and the fuzzer drive a session directly.

The maildrop is the logged-in account's INBOX. At login the session takes a
snapshot of it: message numbers, sizes and UIDs stay fixed for the session (RFC
1939 section 4) whatever arrives meanwhile. DELE marks, RSET unmarks, and only QUIT
in TRANSACTION removes the marked messages, from that INBOX only (the capture log
keeps them). A dropped connection removes nothing (RFC 1939 section 6).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from mailtrap_py import sasl
from mailtrap_py.__about__ import __version__
from mailtrap_py.pop3.parser import (
    MAX_KEYWORD_LENGTH,
    MAX_LINE_LENGTH,
    Command,
    LineReader,
    OverlongLine,
    parse_command,
)
from mailtrap_py.pop3.states import KNOWN, State, is_legal
from mailtrap_py.store import Account, Entry, Folder, Store, account_key

log = logging.getLogger("mailtrap_py.pop3")

CRLF = b"\r\n"

# RFC 5034 requires no particular mechanism; these are the ones mailtrap-py's SMTP
# service takes too, in the order CAPA lists them.
SASL_MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")

IMPLEMENTATION = f"mailtrap-py {__version__}"

# A message number longer than this cannot name a message in any maildrop; it is
# refused before int() is asked to convert a megabyte of digits.
MAX_NUMBER_DIGITS = 10

# RFC 1939 section 7 (APOP): the greeting's timestamp must differ on every greeting.
# pid + a process-wide counter + the clock make it so, as Dovecot's <pid.clock@host>.
_greetings = itertools.count(1)

# Where a message's header ends: the first empty line, CRLF or bare LF.
_HEADER_END = re.compile(rb"\r?\n\r?\n")

_PRINTABLE_KEYWORD = re.compile(rf"[A-Z0-9-]{{1,{MAX_KEYWORD_LENGTH}}}")


class MaildropLocks:
    """Maildrops held by a session in TRANSACTION, shared by the POP3 and POP3S ports.

    RFC 1939 section 4: the server acquires an exclusive-access lock on the maildrop
    when the client has identified itself; a second session for the same maildrop
    is refused with the RFC 2449 section 8.1.2 response code [IN-USE].
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._held: set[str] = set()

    def acquire(self, key: str) -> bool:
        with self._lock:
            if key in self._held:
                return False
            self._held.add(key)
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._held.discard(key)
            self._released.notify_all()

    def wait_released(self, address: str, timeout: float) -> bool:
        """Block until no session holds `address`'s maildrop; False on timeout.

        A client that hangs up without QUIT frees its maildrop only when the server
        has seen the connection close; a test that logs in again right after waits
        here first instead of sleeping.
        """
        key = account_key(address)
        with self._lock:
            return self._released.wait_for(lambda: key not in self._held, timeout)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._held


@dataclass
class Item:
    """One message of the snapshot: its folder entry, size in octets, DELE mark."""

    entry: Entry
    size: int
    deleted: bool = False

    @property
    def raw(self) -> bytes:
        return self.entry.message.raw


def unique_id(entry: Entry, folder: Folder) -> str:
    """The UIDL value: Dovecot's default `%08Xu%08Xv`, the IMAP UID then UIDVALIDITY.

    Derived from the folder entry, not the session, so it is the same in every
    session (RFC 1939 section 7: "persistent") and names the same message IMAP
    reports with that UID. 16 characters of 0x21-0x7E, within RFC 1939's 70.
    """
    return f"{entry.uid:08X}{folder.uidvalidity:08X}"


def dot_stuff(data: bytes) -> bytes:
    """The data lines of a multi-line response, byte for byte, ready for the '.'.

    RFC 1939 section 3: a line that starts with '.' gets one more. The message's
    own line ends (CRLF, or a stray bare LF) are kept as they are; only a message
    that does not end with CRLF gets one, so the terminating '.' is a line of its own.
    """
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\n.", b"\n..")
    if data and not data.endswith(CRLF):
        data += CRLF
    return data


def multiline(status: str, body: bytes) -> bytes:
    """`+OK status`, the dot-stuffed body, and the terminating CRLF.CRLF."""
    return b"+OK " + status.encode() + CRLF + dot_stuff(body) + b"." + CRLF


def ok(text: str = "") -> bytes:
    return (b"+OK " + text.encode() if text else b"+OK") + CRLF


def err(text: str) -> bytes:
    return b"-ERR " + text.encode() + CRLF


class Session:
    """The POP3 protocol state machine for one connection."""

    def __init__(
        self,
        store: Store,
        locks: MaildropLocks,
        *,
        hostname: str = "localhost",
        tls_available: bool = False,
        tls_active: bool = False,
        peer: str = "-",
    ) -> None:
        self.store = store
        self.locks = locks
        self.hostname = hostname
        self.tls_available = tls_available
        self.tls_active = tls_active
        self.peer = peer
        self.state = State.AUTHORIZATION
        # The transport closes the connection once `closed` is set (after QUIT).
        self.closed = False
        # STLS was accepted: the transport must upgrade before it feeds more data.
        self.starttls_pending = False
        self.user: str | None = None
        self.items: list[Item] = []
        self._reader = LineReader()
        self._pending_user: str | None = None
        self._sasl: sasl.Exchange | None = None
        self._sasl_name = ""
        self._account: Account | None = None
        self._folder: Folder | None = None
        self._lock_key: str | None = None
        self.timestamp = f"<{os.getpid()}.{next(_greetings)}.{time.time_ns()}@{hostname}>"
        self._handlers: dict[str, Callable[[Command], bytes]] = {
            "USER": self._user,
            "PASS": self._pass,
            "APOP": self._apop,
            "AUTH": self._auth,
            "STLS": self._stls,
            "CAPA": self._capa,
            "QUIT": self._quit,
            "STAT": self._stat,
            "LIST": self._list,
            "RETR": self._retr,
            "DELE": self._dele,
            "NOOP": self._noop,
            "RSET": self._rset,
            "TOP": self._top,
            "UIDL": self._uidl,
        }
        assert set(self._handlers) == KNOWN, "states.LEGAL and the handlers disagree"
        self._mechanisms: dict[str, Callable[[bytes | None], sasl.Exchange]] = {
            "PLAIN": lambda initial: sasl.plain(store, initial),
            "LOGIN": lambda initial: sasl.login(store, initial),
            "CRAM-MD5": lambda initial: sasl.cram_md5(store, initial, hostname),
        }

    # -- what the transport calls ---------------------------------------------

    def greeting(self) -> bytes:
        # RFC 1939 section 7: the timestamp in the greeting is what APOP digests.
        return ok(f"mailtrap-py ready. {self.timestamp}")

    def receive_data(self, data: bytes) -> list[bytes]:
        """Feed bytes from the client; returns the responses to write, in order.

        Pipelined commands (RFC 2449 section 6.6) are answered in order. After QUIT
        or STLS, the rest of the input is dropped: after QUIT nothing is read, and
        after STLS anything the client sent before the TLS handshake is plaintext
        that an attacker may have injected; running it inside the encrypted session
        is the STARTTLS command-injection hole (CVE-2011-0411 in Postfix).
        """
        responses: list[bytes] = []
        lines = self.split_lines(data)
        for index, line in enumerate(lines):
            responses.append(self.receive_line(line))
            if self.closed or self.starttls_pending:
                self.drop_input(len(lines) - index - 1)
                break
        return responses

    # The same, a line at a time, for a transport that looks at each command before
    # handing it over (fault rules): `split_lines`, then for each line
    # `peek_command` and `receive_line`, and once `closed` or `starttls_pending`
    # is set, `drop_input` with the number of lines left unread.

    def split_lines(self, data: bytes) -> list[bytes | OverlongLine]:
        """Feed bytes to the line reader; returns the lines they completed."""
        if self.closed or self.starttls_pending:
            return []
        return self._reader.feed(data)

    def peek_command(self, line: bytes | OverlongLine) -> Command | None:
        """The command `line` carries, or None: a SASL response, an over-long or
        empty line. Changes nothing."""
        if self._sasl is not None or isinstance(line, OverlongLine):
            return None
        command = parse_command(line)
        return command if command.name else None

    def receive_line(self, line: bytes | OverlongLine) -> bytes:
        """The response to one line from `split_lines`."""
        return self._line(line)

    def drop_input(self, lines_dropped: int) -> None:
        """After QUIT or STLS: forget the `lines_dropped` lines not handed over
        and whatever the reader holds (see `receive_data`)."""
        bytes_dropped = self._reader.discard()
        if (lines_dropped or bytes_dropped) and self.starttls_pending:
            log.warning(
                "%s: dropped %d lines and %d bytes sent after STLS, before TLS",
                self.peer,
                lines_dropped,
                bytes_dropped,
            )

    def answered_elsewhere(self, command: Command) -> None:
        """The transport answered `command` with an -ERR of its own (a fault rule)
        instead of handing it over: change the state as a refused command would.
        Only PASS does: it uses up the USER name (RFC 1939 section 7)."""
        if command.name == "PASS" and self._sasl is None:
            self._pending_user = None

    @property
    def pending_user(self) -> str | None:
        """The name USER gave, waiting for PASS."""
        return self._pending_user

    def tls_started(self) -> None:
        """The STLS handshake finished. RFC 2595 sections 3.1 and 4: the server
        forgets what the client said in the clear (a USER name, say)."""
        self.starttls_pending = False
        self.tls_active = True
        self._pending_user = None

    def timed_out(self) -> bytes:
        """The idle timeout fired: the last words before the transport closes.

        RFC 1939 section 3: an expired autologout timer does not enter UPDATE, so
        nothing is removed. The RFC also says to close without a response; like
        Dovecot, mailtrap-py says why first, which a client that is gone ignores
        and a developer reading a transcript is glad of.
        """
        self.closed = True
        self._release()
        return err("Disconnected for inactivity.")

    def connection_lost(self) -> None:
        """The client went away. Marked messages stay (RFC 1939 section 6)."""
        if self.state is State.TRANSACTION and any(item.deleted for item in self.items):
            log.info("%s: connection lost before QUIT; no message removed", self.peer)
        self.closed = True
        self._release()

    # -- dispatch ---------------------------------------------------------------

    def _line(self, line: bytes | OverlongLine) -> bytes:
        if self._sasl is not None:
            return self._sasl_response(line)
        if isinstance(line, OverlongLine):
            return self._refuse(
                f"Line too long ({line.length} octets; the limit is {MAX_LINE_LENGTH})"
            )
        command = parse_command(line)
        # RFC 2449 section 4 bounds command lines. AUTH carrying an initial
        # response is a SASL response as much as a command: it gets the SASL limit.
        if len(line) + 2 > MAX_LINE_LENGTH and command.name != "AUTH":
            return self._refuse(
                f"Line too long ({len(line) + 2} octets; the limit is {MAX_LINE_LENGTH})"
            )
        if not command.name:
            return self._refuse("Empty command.")
        if command.name not in KNOWN:
            shown = command.name if _PRINTABLE_KEYWORD.fullmatch(command.name) else "(junk)"
            return self._refuse(f"Unknown command: {shown}")
        if not is_legal(self.state, command.name):
            return self._refuse(f"{command.name} is not valid in the {self.state.value} state.")
        return self._handlers[command.name](command)

    def _refuse(self, reason: str, code: str = "") -> bytes:
        log.info("%s: -ERR %s%s", self.peer, f"[{code}] " if code else "", reason)
        return err(f"[{code}] {reason}" if code else reason)

    # -- AUTHORIZATION: logging in -------------------------------------------------

    def _user(self, command: Command) -> bytes:
        # RFC 1939 section 7: USER name. The name is the rest of the line (trimmed),
        # since some users' addresses are quoted local parts with spaces.
        name = command.argument.strip()
        if not name:
            return self._refuse("USER needs a name.")
        self._pending_user = name
        # Same answer for every name, so nobody learns which users exist.
        return ok("Send PASS.")

    def _pass(self, command: Command) -> bytes:
        user, self._pending_user = self._pending_user, None
        if user is None:
            return self._refuse("No user name: send USER first.")
        # The password is the rest of the line, spaces included.
        return self._login(user, self.store.check_login(user, command.argument), "USER/PASS")

    def _apop(self, command: Command) -> bytes:
        args = command.arguments
        if len(args) != 2:
            return self._refuse("APOP takes a name and a digest.")
        name, digest = args
        password = self.store.password_of(name)
        if password is None:
            # Catch-all mode takes any password, so any digest; strict refuses.
            good = self.store.check_login(name, "")
        else:
            expected = hashlib.md5((self.timestamp + password).encode()).hexdigest()
            good = hmac.compare_digest(expected.encode(), digest.lower().encode())
        return self._login(name, good, "APOP")

    def _stls(self, command: Command) -> bytes:
        if command.argument:
            return self._refuse("STLS takes no argument.")
        if self.tls_active:
            return self._refuse("TLS is already active.")
        if not self.tls_available:
            return self._refuse("STLS is not available here.")
        self.starttls_pending = True
        return ok("Begin TLS negotiation now.")

    def _login(self, user: str, good: bool, how: str) -> bytes:
        if not good or not user:
            # RFC 3206 section 3: [AUTH] says the credentials were wrong, not the server.
            return self._refuse(f"Authentication failed for {user!r}.", "AUTH")
        key = account_key(user)
        if not self.locks.acquire(key):
            return self._refuse(f"Mailbox of {key} is in use by another session.", "IN-USE")
        with self.store.lock:
            account = self.store.account(user)
            assert account is not None
            folder = account.inbox
            entries = list(folder.entries)
        self._lock_key = key
        self._account = account
        self._folder = folder
        self.user = user
        self.items = [Item(entry, len(entry.message.raw)) for entry in entries]
        self.state = State.TRANSACTION
        log.info("%s: %s logged in with %s (%d messages)", self.peer, key, how, len(entries))
        return ok(f"Logged in: {len(self.items)} messages ({self._octets()} octets).")

    def _release(self) -> None:
        if self._lock_key is not None:
            self.locks.release(self._lock_key)
            self._lock_key = None

    # -- AUTH (RFC 5034) -----------------------------------------------------------

    def _auth(self, command: Command) -> bytes:
        args = command.arguments
        if not args:
            # Not in RFC 5034, but RFC 1734's clients (Outlook among them) send a
            # bare AUTH to list the mechanisms; Dovecot answers it the same way.
            return multiline("Supported mechanisms:", "\r\n".join(SASL_MECHANISMS).encode())
        mechanism = args[0].upper()
        if len(args) > 2:
            return self._refuse("AUTH takes a mechanism and an optional initial response.")
        factory = self._mechanisms.get(mechanism)
        if factory is None:
            return self._refuse(f"Unsupported mechanism; try {' '.join(SASL_MECHANISMS)}.")
        initial: bytes | None = None
        if len(args) == 2:
            if mechanism == "CRAM-MD5":
                return self._refuse("CRAM-MD5 takes no initial response.")
            # RFC 5034 section 4: "=" is an empty initial response.
            decoded = b"" if args[1] == "=" else sasl.b64decode(args[1])
            if decoded is None:
                return self._refuse("Initial response is not base64.")
            initial = decoded
        exchange = factory(initial)
        return self._sasl_step(exchange, None, mechanism)

    def _sasl_step(self, exchange: sasl.Exchange, response: bytes | None, how: str) -> bytes:
        try:
            challenge = next(exchange) if response is None else exchange.send(response)
        except StopIteration as done:
            self._sasl = None
            user, good = done.value
            return self._login(user, good, f"AUTH {how}")
        except sasl.SASLError as error:
            self._sasl = None
            return self._refuse(str(error))
        self._sasl = exchange
        self._sasl_name = how
        # RFC 5034 section 4: a challenge is "+ " and base64 (empty: just "+ ").
        return b"+ " + base64.b64encode(challenge) + CRLF

    def _sasl_response(self, line: bytes | OverlongLine) -> bytes:
        exchange, self._sasl = self._sasl, None
        assert exchange is not None
        if isinstance(line, OverlongLine):
            exchange.close()
            return self._refuse(f"SASL response too long ({line.length} octets).")
        if line.strip() == b"*":
            # RFC 5034 section 4: "*" cancels the exchange; the answer is -ERR.
            exchange.close()
            return self._refuse("Authentication cancelled.")
        decoded = sasl.b64decode(line.decode("ascii", "replace").strip())
        if decoded is None:
            exchange.close()
            return self._refuse("SASL response is not base64.")
        return self._sasl_step(exchange, decoded, self._sasl_name)

    # -- any state -------------------------------------------------------------------

    def capabilities(self) -> list[str]:
        """RFC 2449 section 6: what this session implements, in its current state.

        A capability that stands for a command is listed while that command has a
        handler and is legal now or in a state still ahead: TOP and UIDL before
        login too (clients decide how to fetch from the CAPA they get before
        logging in), USER, SASL and STLS not after login (as in Dovecot). STLS
        also needs TLS to be possible and not yet active.
        """
        ahead = list(State)[list(State).index(self.state) :]

        def usable(command: str) -> bool:
            return command in self._handlers and any(is_legal(s, command) for s in ahead)

        caps = [name for name in ("TOP", "USER", "UIDL") if usable(name)]
        if usable("AUTH"):
            caps.append("SASL " + " ".join(self._mechanisms))
        caps += [
            "RESP-CODES",  # RFC 2449 section 8: [IN-USE], [LOGIN-DELAY]
            "AUTH-RESP-CODE",  # RFC 3206: [AUTH], [SYS/...]
            "PIPELINING",  # responses come in order, whatever arrives together
        ]
        if usable("STLS") and self.tls_available and not self.tls_active:
            caps.append("STLS")
        caps.append(f"IMPLEMENTATION {IMPLEMENTATION}")
        return caps

    def _capa(self, command: Command) -> bytes:
        return multiline("Capability list follows", "\r\n".join(self.capabilities()).encode())

    def _quit(self, command: Command) -> bytes:
        self.closed = True
        if self.state is not State.TRANSACTION:
            return ok("Logging out.")
        # RFC 1939 section 6: QUIT in TRANSACTION enters UPDATE and removes the
        # messages marked as deleted.
        self.state = State.UPDATE
        doomed = [item.entry.uid for item in self.items if item.deleted]
        removed = 0
        if doomed and self._account is not None and self._folder is not None:
            removed = len(self.store.expunge(self._account, self._folder, doomed))
            log.info("%s: QUIT removed %d of %d marked messages", self.peer, removed, len(doomed))
        self._release()
        return ok(f"Logging out, {removed} messages deleted." if doomed else "Logging out.")

    # -- TRANSACTION ---------------------------------------------------------------

    def _live(self) -> list[tuple[int, Item]]:
        return [(n, item) for n, item in enumerate(self.items, 1) if not item.deleted]

    def _octets(self) -> int:
        return sum(item.size for item in self.items if not item.deleted)

    def _message(self, argument: str) -> tuple[int, Item] | bytes:
        """The message a number names, or the -ERR to answer."""
        if not argument.isascii() or not argument.isdigit():
            return self._refuse(f"Not a message number: {argument[:20]!r}.")
        if len(argument) > MAX_NUMBER_DIGITS or not 1 <= int(argument) <= len(self.items):
            return self._refuse(f"No such message: {argument[:20]}; there are {len(self.items)}.")
        number = int(argument)
        item = self.items[number - 1]
        # RFC 1939 section 5: a deleted message may not be referred to.
        if item.deleted:
            return self._refuse(f"Message {number} is deleted.")
        return number, item

    def _one_argument(self, command: Command) -> tuple[int, Item] | bytes:
        args = command.arguments
        if len(args) != 1:
            return self._refuse(f"{command.name} takes one message number.")
        return self._message(args[0])

    def _stat(self, command: Command) -> bytes:
        if command.argument:
            return self._refuse("STAT takes no argument.")
        return ok(f"{len(self._live())} {self._octets()}")

    def _list(self, command: Command) -> bytes:
        args = command.arguments
        if len(args) > 1:
            return self._refuse("LIST takes at most one message number.")
        if args:
            found = self._message(args[0])
            if isinstance(found, bytes):
                return found
            number, item = found
            return ok(f"{number} {item.size}")
        live = self._live()
        body = "".join(f"{n} {item.size}\r\n" for n, item in live)
        return multiline(f"{len(live)} messages ({self._octets()} octets)", body.encode())

    def _uidl(self, command: Command) -> bytes:
        folder = self._folder
        assert folder is not None
        args = command.arguments
        if len(args) > 1:
            return self._refuse("UIDL takes at most one message number.")
        if args:
            found = self._message(args[0])
            if isinstance(found, bytes):
                return found
            number, item = found
            return ok(f"{number} {unique_id(item.entry, folder)}")
        body = "".join(f"{n} {unique_id(item.entry, folder)}\r\n" for n, item in self._live())
        return multiline("Unique-ID listing follows", body.encode())

    def _retr(self, command: Command) -> bytes:
        found = self._one_argument(command)
        if isinstance(found, bytes):
            return found
        _number, item = found
        return multiline(f"{item.size} octets", item.raw)

    def _top(self, command: Command) -> bytes:
        args = command.arguments
        if len(args) != 2:
            return self._refuse("TOP takes a message number and a line count.")
        found = self._message(args[0])
        if isinstance(found, bytes):
            return found
        lines = args[1]
        if not lines.isascii() or not lines.isdigit():
            return self._refuse(f"Not a line count: {lines[:20]!r}.")
        _number, item = found
        # More lines than any message has means all of them; skip converting junk.
        count = int(lines) if len(lines) <= MAX_NUMBER_DIGITS else len(item.raw)
        return multiline("Top of message follows", top(item.raw, count))

    def _dele(self, command: Command) -> bytes:
        found = self._one_argument(command)
        if isinstance(found, bytes):
            return found
        number, item = found
        item.deleted = True
        return ok(f"Message {number} deleted.")

    def _noop(self, command: Command) -> bytes:
        return ok()

    def _rset(self, command: Command) -> bytes:
        for item in self.items:
            item.deleted = False
        return ok(f"Maildrop has {len(self.items)} messages ({self._octets()} octets).")


def top(raw: bytes, lines: int) -> bytes:
    """RFC 1939 section 7 (TOP): the header, the empty line, and `lines` body lines."""
    end = _HEADER_END.search(raw)
    if end is None:
        return raw  # all header, no body
    position = end.end()
    for _ in range(lines):
        newline = raw.find(b"\n", position)
        if newline < 0:
            return raw
        position = newline + 1
    return raw[:position]
