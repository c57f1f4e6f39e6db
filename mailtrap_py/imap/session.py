"""One IMAP session, sans-IO: commands in, response bytes out, over the store.

The transport feeds `handle(event)` what the parser read and writes what comes
back; it looks at `closed` (LOGOUT: close), `starttls_pending` (upgrade before
reading on), `parser_mode` (AUTHENTICATE and IDLE read raw lines) and, while
`idling`, calls `updates()` when the store changed. Nothing here touches a socket,
so tests and the fuzzer drive a session directly.

The selected folder is the store's own `Folder`; the session keeps its *view*:
the entries it has told the client about, in sequence-number order. Other
sessions, SMTP deliveries and the HTTP API change the folder; the view catches up
at the end of each command (RFC 3501 section 7: EXISTS, EXPUNGE and FETCH FLAGS
responses), never during FETCH, STORE or SEARCH by sequence number, where an
EXPUNGE would shift the numbers the client is using (section 7.4.1).
"""

from __future__ import annotations

import base64
import logging
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Literal

from mailtrap_py import sasl
from mailtrap_py.__about__ import __version__
from mailtrap_py.imap import fetch, mutf7, search
from mailtrap_py.imap.dates import parse_date_time
from mailtrap_py.imap.parser import Bad, Command, Continue, Event, Line, Token
from mailtrap_py.imap.sequence import SequenceError, SequenceSet
from mailtrap_py.message import Message
from mailtrap_py.store import INBOX, SEPARATOR, SPECIAL_FOLDERS, Account, Entry, Folder, Store

log = logging.getLogger("mailtrap_py.imap")

CRLF = b"\r\n"
SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_SYSTEM_FOLDED = {f.lower(): f for f in (*SYSTEM_FLAGS, "\\Recent")}
SASL_MECHANISMS = ("PLAIN", "LOGIN")
# Flag atoms: RFC 3501 `flag-keyword` is an atom; no list-wildcards, quoted-specials
# or resp-specials.
_KEYWORD = re.compile(r"^\\?[!#$&'+,\-./0-9:;<=>?@A-Z^_`a-z|~]+$")


class State(Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


_ANY = frozenset(State) - {State.LOGOUT}
_NOT_AUTH = frozenset({State.NOT_AUTHENTICATED})
_AUTH = frozenset({State.AUTHENTICATED, State.SELECTED})
_SELECTED = frozenset({State.SELECTED})


class Reply(Exception):
    """Ends a command with a tagged status: raise it from anywhere in a handler."""

    def __init__(self, status: Literal["OK", "NO", "BAD"], text: str, code: str = "") -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.code = code


def _no(text: str, code: str = "") -> Reply:
    return Reply("NO", text, code)


def _bad(text: str, code: str = "") -> Reply:
    return Reply("BAD", text, code)


@dataclass
class Selected:
    """The selected folder and what this session has told the client about it."""

    account: Account
    folder: Folder
    readonly: bool
    view: list[Entry]
    recent: set[int]
    removals: int
    known_modseq: int  # the folder's highest_modseq when the client was last told
    keywords: list[str]  # the keywords the last FLAGS response listed
    # uid -> the modseq of a change this session made and reported itself, so the
    # next catch-up does not announce it again.
    own: dict[int, int] = field(default_factory=dict)


Handler = Callable[["Session", Command], "list[bytes] | None"]


class Session:
    """One client's conversation; `handle()` answers one parser event."""

    def __init__(
        self,
        store: Store,
        *,
        tls_available: bool = False,
        tls_active: bool = False,
        peer: str = "-",
    ) -> None:
        self.store = store
        self.tls_available = tls_available
        self.tls_active = tls_active
        self.peer = peer
        self.state = State.NOT_AUTHENTICATED
        self.user: str | None = None
        self.account: Account | None = None
        self.selected: Selected | None = None
        self.condstore = False
        self.closed = False
        self.starttls_pending = False
        self.idling: str | None = None  # the IDLE command's tag
        self.parser_mode: Literal["command", "line"] = "command"
        self._sasl: _SaslExchange | None = None

    # -- what the transport calls ------------------------------------------------

    def greeting(self) -> bytes:
        return f"* OK [CAPABILITY {' '.join(self.capabilities())}] mailtrap-py ready.\r\n".encode()

    def capabilities(self) -> list[str]:
        """What this session implements right now (RFC 3501 section 7.2.1)."""
        caps = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE"]
        if self.state is State.NOT_AUTHENTICATED:
            if self.tls_available and not self.tls_active:
                caps.append("STARTTLS")
            caps.extend(f"AUTH={m}" for m in SASL_MECHANISMS)
        else:
            caps += ["UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "SPECIAL-USE", "CONDSTORE"]
        return caps

    def handle(self, event: Event) -> bytes:
        """The response bytes to one parser event."""
        if isinstance(event, Continue):
            return b"+ Ready for literal data\r\n"
        if isinstance(event, Bad):
            if event.tag is None:
                return f"* BAD {event.reason}\r\n".encode()
            code = f"[{event.code}] " if event.code else ""
            return f"{event.tag} BAD {code}{event.reason}\r\n".encode()
        if isinstance(event, Line):
            return self._line(event.data)
        return self._command(event)

    def updates(self) -> bytes:
        """Untagged responses for what changed since the client last heard (IDLE)."""
        if self.state is not State.SELECTED:
            return b""
        return b"".join(self._catch_up(expunges=True))

    def tls_started(self) -> None:
        self.starttls_pending = False
        self.tls_active = True

    def timed_out(self) -> bytes:
        self.closed = True
        return b"* BYE Disconnected for inactivity.\r\n"

    def shutting_down(self) -> bytes:
        self.closed = True
        return b"* BYE Server shutting down.\r\n"

    def connection_lost(self) -> None:
        self.state = State.LOGOUT
        self.selected = None

    def user_for_faults(self, command: Command) -> str | None:
        """The user a fault rule's match is tested against at `command`."""
        if self.user is not None:
            return self.user
        if command.name == "LOGIN" and command.args:
            return _text(command.args[0])
        return None

    # -- dispatch ----------------------------------------------------------------

    def _command(self, command: Command) -> bytes:
        entry = _COMMANDS.get(command.name)
        if entry is None:
            return _tagged(command.tag, "BAD", f"Unknown command {command.name[:40]}")
        states, handler = entry
        if self.state not in states:
            return _tagged(
                command.tag, "BAD", f"{command.name} not allowed now ({self.state.value})"
            )
        if command.uid and command.name not in _UID_ALLOWED:
            return _tagged(command.tag, "BAD", "Unknown UID command")
        try:
            lines = handler(self, command)
        except Reply as reply:
            tail = self._catch_up(expunges=True) if reply.status != "BAD" else []
            return b"".join(tail) + _tagged(command.tag, reply.status, reply.text, reply.code)
        except Exception:
            # A bug must cost this command, not the connection or the server.
            log.exception("%s: %s failed", self.peer, command.name)
            return _tagged(command.tag, "BAD", "Internal error, see the server log")
        if lines is None:  # the handler answers later (IDLE, AUTHENTICATE)
            return b""
        return b"".join(lines)

    def _done(self, tag: str, text: str, code: str = "", *, expunges: bool = True) -> bytes:
        """Pending updates, then the tagged OK."""
        return b"".join(self._catch_up(expunges=expunges)) + _tagged(tag, "OK", text, code)

    # -- any state -----------------------------------------------------------------

    def _capability(self, command: Command) -> list[bytes]:
        _no_args(command)
        return [
            f"* CAPABILITY {' '.join(self.capabilities())}\r\n".encode(),
            self._done(command.tag, "Capability completed."),
        ]

    def _noop(self, command: Command) -> list[bytes]:
        _no_args(command)
        return [self._done(command.tag, f"{command.name.capitalize()} completed.")]

    def _logout(self, command: Command) -> list[bytes]:
        _no_args(command)
        self.state = State.LOGOUT
        self.selected = None
        self.closed = True
        return [b"* BYE Logging out.\r\n", _tagged(command.tag, "OK", "Logout completed.")]

    def _id(self, command: Command) -> list[bytes]:
        # RFC 2971: the client's ID is only logged.
        if len(command.args) != 1:
            raise _bad("ID takes one argument")
        log.debug("%s: client ID %r", self.peer, command.args[0])
        return [
            f'* ID ("name" "mailtrap-py" "version" "{__version__}")\r\n'.encode(),
            self._done(command.tag, "ID completed."),
        ]

    # -- not authenticated ---------------------------------------------------------

    def _starttls(self, command: Command) -> list[bytes]:
        _no_args(command)
        if self.tls_active:
            raise _bad("TLS is already active")
        if not self.tls_available:
            raise _bad("TLS is not available")
        self.starttls_pending = True
        return [_tagged(command.tag, "OK", "Begin TLS negotiation now.")]

    def _login_command(self, command: Command) -> list[bytes]:
        if len(command.args) != 2:
            raise _bad("LOGIN takes a user name and a password")
        user, password = _text(command.args[0]), _text(command.args[1])
        return [self._log_in(command.tag, user, self.store.check_login(user, password), "LOGIN")]

    def _log_in(self, tag: str, user: str, good: bool, how: str) -> bytes:
        if not good:
            log.info("%s: %s refused for %r", self.peer, how, user)
            return _tagged(tag, "NO", "Authentication failed.", "AUTHENTICATIONFAILED")
        account = self.store.account(user)
        assert account is not None
        with self.store.lock:
            account.add_special_folders()
        self.user, self.account = user, account
        self.state = State.AUTHENTICATED
        log.info("%s: logged in as %s (%s)", self.peer, user, how)
        caps = " ".join(self.capabilities())
        return _tagged(tag, "OK", "Logged in", f"CAPABILITY {caps}")

    def _authenticate(self, command: Command) -> list[bytes] | None:
        if not command.args or not isinstance(command.args[0], str):
            raise _bad("AUTHENTICATE needs a mechanism")
        mechanism = command.args[0].upper()
        if mechanism not in SASL_MECHANISMS:
            raise _no(f"Unsupported authentication mechanism {mechanism[:20]}")
        if len(command.args) > 2:
            raise _bad("Too many arguments")
        initial: bytes | None = None
        if len(command.args) == 2:  # SASL-IR, RFC 4959; "=" is an empty response
            text = _text(command.args[1])
            decoded = b"" if text == "=" else sasl.b64decode(text)
            if decoded is None:
                raise _bad("Invalid base64 data")
            initial = decoded
        start = sasl.plain if mechanism == "PLAIN" else sasl.login
        self._sasl = _SaslExchange(command.tag, mechanism, start(self.store, initial))
        return [self._sasl_step(None)]

    def _sasl_step(self, response: bytes | None) -> bytes:
        exchange = self._sasl
        assert exchange is not None
        try:
            steps = exchange.steps
            challenge = next(steps) if response is None else steps.send(response)
        except StopIteration as done:
            user, good = done.value
            self._sasl = None
            self.parser_mode = "command"
            return self._log_in(exchange.tag, user, good, f"AUTHENTICATE {exchange.mechanism}")
        except sasl.SASLError as error:
            return self._sasl_end("NO", str(error))
        self.parser_mode = "line"
        return b"+ " + base64.b64encode(challenge) + CRLF

    def _sasl_end(self, status: Literal["NO", "BAD"], text: str) -> bytes:
        exchange = self._sasl
        assert exchange is not None
        exchange.steps.close()
        self._sasl = None
        self.parser_mode = "command"
        return _tagged(exchange.tag, status, text)

    def _line(self, data: bytes) -> bytes:
        """A raw line: an AUTHENTICATE response, or what ends IDLE."""
        if self._sasl is not None:
            if data.strip() == b"*":
                return self._sasl_end("BAD", "Authentication cancelled")
            decoded = sasl.b64decode(data.strip())
            if decoded is None:
                return self._sasl_end("BAD", "Invalid base64 data")
            return self._sasl_step(decoded)
        if self.idling is not None:
            tag, self.idling = self.idling, None
            self.parser_mode = "command"
            if data.strip().upper() != b"DONE":
                return _tagged(tag, "BAD", "Expected DONE")
            return self._done(tag, "Idle completed.")
        return b"* BAD Unexpected line\r\n"  # pragma: no cover - mode is never left on

    # -- authenticated -------------------------------------------------------------

    def _namespace(self, command: Command) -> list[bytes]:
        _no_args(command)
        return [
            f'* NAMESPACE (("" "{SEPARATOR}")) NIL NIL\r\n'.encode(),
            self._done(command.tag, "Namespace completed."),
        ]

    def _enable(self, command: Command) -> list[bytes]:
        if not command.args:
            raise _bad("ENABLE needs a capability")
        enabled = []
        for arg in command.args:
            if isinstance(arg, str) and arg.upper() == "CONDSTORE":
                self.condstore = True
                enabled.append("CONDSTORE")
        return [
            f"* ENABLED{''.join(' ' + e for e in enabled)}\r\n".encode(),
            self._done(command.tag, "Enabled."),
        ]

    def _select(self, command: Command) -> list[bytes]:
        readonly = command.name == "EXAMINE"
        if not command.args or len(command.args) > 2:
            raise _bad(f"{command.name} takes a mailbox name")
        if len(command.args) == 2:
            params = command.args[1]
            if not isinstance(params, list) or any(
                not isinstance(p, str) or p.upper() != "CONDSTORE" for p in params
            ):
                raise _bad("Unknown SELECT parameter")
            self.condstore = True
        name = self._mailbox_name(command.args[0])
        out = []
        if self.selected is not None:
            out.append(b"* OK [CLOSED] Previous mailbox closed.\r\n")
        self.selected = None
        self.state = State.AUTHENTICATED
        account = self._account()
        with self.store.lock:
            folder = account.folders.get(name)
            if folder is None:
                raise _no(f"Mailbox doesn't exist: {name}", "NONEXISTENT")
            if folder.noselect:
                raise _no(f"Mailbox isn't selectable: {name}", "CANNOT")
            view = list(folder.entries)
            floor = folder.recent_floor if readonly else folder.take_recent()
            recent = {e.uid for e in view if e.uid >= floor}
            keywords = _keywords(view)
            self.selected = Selected(
                account,
                folder,
                readonly,
                view,
                recent,
                folder.removals,
                folder.highest_modseq,
                keywords,
            )
            unseen = next((i for i, e in enumerate(view, 1) if "\\Seen" not in e.flags), None)
            uidvalidity, uidnext, modseq = folder.uidvalidity, folder.uidnext, folder.highest_modseq
        self.state = State.SELECTED
        flags = " ".join((*SYSTEM_FLAGS, *keywords))
        out += [
            f"* FLAGS ({flags})\r\n".encode(),
            f"* OK [PERMANENTFLAGS ({flags} \\*)] Flags permitted.\r\n".encode()
            if not readonly
            else b"* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n",
            f"* {len(view)} EXISTS\r\n".encode(),
            f"* {len(recent)} RECENT\r\n".encode(),
        ]
        if unseen is not None:
            out.append(f"* OK [UNSEEN {unseen}] First unseen.\r\n".encode())
        out += [
            f"* OK [UIDVALIDITY {uidvalidity}] UIDs valid\r\n".encode(),
            f"* OK [UIDNEXT {uidnext}] Predicted next UID\r\n".encode(),
            f"* OK [HIGHESTMODSEQ {modseq}] Highest\r\n".encode(),
        ]
        mode = "READ-ONLY" if readonly else "READ-WRITE"
        out.append(_tagged(command.tag, "OK", f"{command.name.capitalize()} completed.", mode))
        return out

    def _create(self, command: Command) -> list[bytes]:
        if len(command.args) not in (1, 2):
            raise _bad("CREATE takes a mailbox name")
        name = self._mailbox_name(command.args[0]).rstrip(SEPARATOR)
        account = self._account()
        existing = account.folders.get(name)
        if not name or name == INBOX or (existing is not None and not existing.noselect):
            raise _no("Mailbox already exists", "ALREADYEXISTS")
        _check_name(name)
        self.store.create_folder(account, name)
        return [self._done(command.tag, "Create completed.")]

    def _delete(self, command: Command) -> list[bytes]:
        if len(command.args) != 1:
            raise _bad("DELETE takes a mailbox name")
        name = self._mailbox_name(command.args[0])
        account = self._account()
        if name == INBOX:
            raise _no("INBOX can't be deleted")
        folder = account.folders.get(name)
        if folder is None:
            raise _no(f"Mailbox doesn't exist: {name}", "NONEXISTENT")
        if folder.noselect and account.has_children(name):
            # RFC 3501 6.3.4: a \Noselect name with inferiors can't be deleted.
            raise _no("Mailbox has children, delete them first", "CANNOT")
        if self.selected is not None and self.selected.folder is folder:
            self.selected = None
            self.state = State.AUTHENTICATED
        # With children it stays as a \Noselect name (its messages go).
        self.store.delete_folder(account, name)
        return [self._done(command.tag, "Delete completed.")]

    def _rename(self, command: Command) -> list[bytes]:
        if len(command.args) != 2:
            raise _bad("RENAME takes two mailbox names")
        old = self._mailbox_name(command.args[0])
        new = self._mailbox_name(command.args[1]).rstrip(SEPARATOR)
        account = self._account()
        if old not in account.folders:
            raise _no(f"Mailbox doesn't exist: {old}", "NONEXISTENT")
        if not new or new in account.folders or new == INBOX:
            raise _no("Target mailbox already exists", "ALREADYEXISTS")
        if new.startswith(old + SEPARATOR):
            raise _no("Can't rename a mailbox under itself")
        _check_name(new)
        self.store.create_folder(account, new, parents_only=True)
        self.store.rename_folder(account, old, new)
        return [self._done(command.tag, "Rename completed.")]

    def _subscribe(self, command: Command) -> list[bytes]:
        if len(command.args) != 1:
            raise _bad(f"{command.name} takes a mailbox name")
        name = self._mailbox_name(command.args[0])
        account = self._account()
        with self.store.lock:
            folder = account.folders.get(name)
            if folder is None:
                if command.name == "SUBSCRIBE":
                    raise _no(f"Mailbox doesn't exist: {name}", "NONEXISTENT")
            else:
                folder.subscribed = command.name == "SUBSCRIBE"
        return [self._done(command.tag, f"{command.name.capitalize()} completed.")]

    def _list(self, command: Command) -> list[bytes]:
        args = list(command.args)
        special_only = False
        if command.name == "LIST" and args and isinstance(args[0], list):
            # RFC 5258 selection options; SPECIAL-USE (RFC 6154) is the one we honour.
            options = {o.upper() for o in args.pop(0) if isinstance(o, str)}
            special_only = "SPECIAL-USE" in options
        if command.name == "LIST" and len(args) == 4:
            # LIST ... RETURN (...): the return options change nothing we send.
            if not isinstance(args[2], str) or args[2].upper() != "RETURN":
                raise _bad("Invalid LIST arguments")
            args = args[:2]
        if len(args) != 2 or isinstance(args[0], list):
            raise _bad(f"{command.name} takes a reference and a mailbox pattern")
        reference = _text(args[0])
        patterns = args[1] if isinstance(args[1], list) else [args[1]]
        account = self._account()
        out = []
        for pattern_token in patterns:
            pattern = _text(pattern_token)
            if not pattern and command.name == "LIST":
                out.append(f'* LIST (\\Noselect) "{SEPARATOR}" ""\r\n'.encode())
                continue
            matcher = _pattern(_unicode_name(reference + pattern))
            with self.store.lock:
                names = list(account.folders)
                subscribed = {n for n, f in account.folders.items() if f.subscribed}
                noselect = {n for n, f in account.folders.items() if f.noselect}
            names.sort(key=lambda n: (n != INBOX, n))
            for name in names:
                if not matcher(name):
                    continue
                if command.name == "LSUB" and name not in subscribed:
                    continue
                attributes = [
                    "\\HasChildren"
                    if any(n.startswith(name + SEPARATOR) for n in names)
                    else "\\HasNoChildren"
                ]
                if name in noselect:
                    attributes.insert(0, "\\Noselect")
                use = SPECIAL_FOLDERS.get(name)
                if use:
                    attributes.append(use)
                elif special_only:
                    continue
                out.append(
                    f'* {command.name} ({" ".join(attributes)}) "{SEPARATOR}" '.encode()
                    + _mailbox_out(name)
                    + CRLF
                )
        out.append(self._done(command.tag, f"{command.name.capitalize()} completed."))
        return out

    def _status(self, command: Command) -> list[bytes]:
        if len(command.args) != 2 or not isinstance(command.args[1], list):
            raise _bad("STATUS takes a mailbox name and a list of items")
        name = self._mailbox_name(command.args[0])
        account = self._account()
        wanted = set()
        for item in command.args[1]:
            key = item.upper() if isinstance(item, str) else ""
            if key not in _STATUS_ITEMS:
                raise _bad(f"Unknown STATUS item {str(item)[:20]}")
            wanted.add(key)
        items = []
        with self.store.lock:
            folder = account.folders.get(name)
            if folder is None:
                raise _no(f"Mailbox doesn't exist: {name}", "NONEXISTENT")
            if folder.noselect:
                raise _no(f"Mailbox isn't selectable: {name}", "CANNOT")
            # In Dovecot's order, whatever order the client asked in.
            for key in _STATUS_ITEMS:
                if key in wanted:
                    value = _status_value(folder, key)
                    selected = self.selected
                    if key == "RECENT" and selected is not None and selected.folder is folder:
                        value += len(selected.recent)  # recent to this session
                    items.append(f"{key} {value}")
        line = b"* STATUS " + _mailbox_out(name) + f" ({' '.join(items)})\r\n".encode()
        return [line, self._done(command.tag, "Status completed.")]

    def _append(self, command: Command) -> list[bytes]:
        args = list(command.args)
        if len(args) < 2:
            raise _bad("APPEND takes a mailbox name and a message")
        name = self._mailbox_name(args.pop(0))
        data = args.pop()
        if not isinstance(data, bytes):
            raise _bad("APPEND needs the message as a literal")
        flags: frozenset[str] = frozenset()
        internal_date: datetime | None = None
        for arg in args:
            if isinstance(arg, list):
                flags = _flags(arg)
            elif isinstance(arg, bytes):
                internal_date = _date_time(arg.decode("ascii", "replace"))
            else:
                raise _bad("Invalid APPEND arguments")
        account = self._account()
        folder = account.folders.get(name)
        if folder is None or folder.noselect:
            raise _no(f"Mailbox doesn't exist: {name}", "TRYCREATE")
        message = Message(data, received_at=internal_date, peer=self.peer, auth_user=self.user)
        [entry] = self.store.append(
            account, folder, [(message, flags - {"\\Recent"}, internal_date)]
        )
        return [
            self._done(
                command.tag, "Append completed.", f"APPENDUID {folder.uidvalidity} {entry.uid}"
            )
        ]

    # -- selected ------------------------------------------------------------------

    def _check(self, command: Command) -> list[bytes]:
        _no_args(command)
        return [self._done(command.tag, "Check completed.")]

    def _close(self, command: Command) -> list[bytes]:
        _no_args(command)
        selected = self._selected()
        if command.name == "CLOSE" and not selected.readonly:
            # RFC 3501 6.4.2: expunge silently, no EXPUNGE responses.
            doomed = [e.uid for e in selected.folder.entries if "\\Deleted" in e.flags]
            if doomed:
                self.store.expunge(selected.account, selected.folder, doomed)
        self.selected = None
        self.state = State.AUTHENTICATED
        return [_tagged(command.tag, "OK", f"{command.name.capitalize()} completed.")]

    def _expunge(self, command: Command) -> list[bytes]:
        selected = self._selected()
        if selected.readonly:
            raise _no("Mailbox is read-only")
        if command.uid:
            if len(command.args) != 1:
                raise _bad("UID EXPUNGE takes a UID set")
            uids = _sequence_set(command.args[0])
        elif command.args:
            raise _bad("EXPUNGE takes no arguments")
        largest = selected.view[-1].uid if selected.view else 0
        doomed = [
            e.uid
            for e in selected.folder.entries
            if "\\Deleted" in e.flags and (not command.uid or uids.contains(e.uid, largest))
        ]
        if doomed:
            self.store.expunge(selected.account, selected.folder, doomed)
        code = f"HIGHESTMODSEQ {selected.folder.highest_modseq}" if self.condstore else ""
        return [self._done(command.tag, "Expunge completed.", code)]

    def _search(self, command: Command) -> list[bytes]:
        selected = self._selected()
        try:
            program = search.parse_search(command.args)
        except search.SearchError as error:
            if error.code == "BADCHARSET":
                raise _no(str(error), "BADCHARSET (UTF-8 US-ASCII)") from None
            raise _bad(str(error)) from None
        if program.uses_modseq:
            self.condstore = True
        view = selected.view
        numbers = program.run(view, selected.recent)
        found = [view[n - 1] for n in numbers]
        values = [e.uid for e in found] if command.uid else numbers
        line = "* SEARCH" + "".join(f" {v}" for v in values)
        if program.uses_modseq and found:
            line += f" (MODSEQ {max(e.modseq for e in found)})"
        return [
            (line + "\r\n").encode(),
            self._done(command.tag, "Search completed.", expunges=command.uid),
        ]

    def _fetch(self, command: Command) -> list[bytes]:
        selected = self._selected()
        if len(command.args) not in (2, 3):
            raise _bad("FETCH takes a sequence set and items")
        numbers = self._numbers(command.uid, command.args[0])
        try:
            items = fetch.parse_items([command.args[1]])
        except fetch.FetchError as error:
            raise _bad(str(error)) from None
        changed_since: int | None = None
        if len(command.args) == 3:
            changed_since = _modifier(command.args[2], "CHANGEDSINCE")
            self.condstore = True
        names = {i.name for i in items}
        if "MODSEQ" in names:
            self.condstore = True
        want_uid = command.uid or "UID" in names
        want_flags = "FLAGS" in names
        want_modseq = "MODSEQ" in names or changed_since is not None
        message_items = [i for i in items if not i.session]
        sets_seen = not selected.readonly and any(i.sets_seen for i in items)
        view = selected.view
        if changed_since is not None:
            numbers = [n for n in numbers if view[n - 1].modseq > changed_since]
        seen_now: set[int] = set()
        if sets_seen:
            # One store change for the whole command, not one per message.
            unseen = [view[n - 1] for n in numbers if "\\Seen" not in view[n - 1].flags]
            self._set_flags(selected, [(e, e.flags | {"\\Seen"}) for e in unseen])
            seen_now = {id(e) for e in unseen}
        out: list[bytes] = []
        for number in numbers:
            entry = view[number - 1]
            flags_changed = id(entry) in seen_now
            parts = []
            if want_uid:
                parts.append(b"UID %d" % entry.uid)
            if want_flags or flags_changed:
                parts.append(b"FLAGS (" + _flag_list(entry, selected) + b")")
            if want_modseq or (flags_changed and self.condstore):
                parts.append(b"MODSEQ (%d)" % entry.modseq)
            for item in message_items:
                parts.append(fetch.render(item, entry.message, entry.internal_date))
            out.append(b"* %d FETCH (" % number + b" ".join(parts) + b")\r\n")
        out.append(self._done(command.tag, "Fetch completed.", expunges=command.uid))
        return out

    def _store(self, command: Command) -> list[bytes]:
        selected = self._selected()
        args = list(command.args)
        if len(args) < 3:
            raise _bad("STORE takes a sequence set, an item and flags")
        numbers = self._numbers(command.uid, args.pop(0))
        unchanged_since: int | None = None
        if isinstance(args[0], list):
            unchanged_since = _modifier(args.pop(0), "UNCHANGEDSINCE")
            self.condstore = True
        if len(args) < 2 or not isinstance(args[0], str):
            raise _bad("STORE takes an item and flags")
        item = args[0].upper()
        silent = item.endswith(".SILENT")
        mode = item.removesuffix(".SILENT")
        if mode not in ("FLAGS", "+FLAGS", "-FLAGS"):
            raise _bad(f"Unknown STORE item {args[0][:20]}")
        # Flags come as a list, or (RFC 3501 `store-att-flags`) as bare atoms.
        given = _flags(args[1] if len(args) == 2 and isinstance(args[1], list) else args[1:])
        given -= {"\\Recent"}
        if selected.readonly:
            raise _no("Mailbox is read-only")
        changes: list[tuple[Entry, frozenset[str]]] = []
        modified: list[int] = []
        touched: list[tuple[int, Entry]] = []
        for number in numbers:
            entry = selected.view[number - 1]
            if unchanged_since is not None and entry.modseq > unchanged_since:
                modified.append(entry.uid if command.uid else number)
                continue
            if mode == "FLAGS":
                new = given
            elif mode == "+FLAGS":
                new = entry.flags | given
            else:
                new = entry.flags - given
            if new != entry.flags or unchanged_since is not None:
                changes.append((entry, frozenset(new)))
            touched.append((number, entry))
        self._set_flags(selected, changes)
        # A keyword new to this folder first gets a FLAGS response (RFC 3501 7.2.6).
        out = self._new_keywords(selected, [e for e, _ in changes])
        changed = {id(e) for e, _ in changes}
        for number, entry in touched:
            if silent and not (self.condstore and id(entry) in changed):
                continue
            parts = []
            if command.uid:
                parts.append(b"UID %d" % entry.uid)
            if not silent:
                parts.append(b"FLAGS (" + _flag_list(entry, selected) + b")")
            if self.condstore:
                parts.append(b"MODSEQ (%d)" % entry.modseq)
            out.append(b"* %d FETCH (" % number + b" ".join(parts) + b")\r\n")
        code = f"MODIFIED {_compress(sorted(modified))}" if modified else ""
        out.append(self._done(command.tag, "Store completed.", code, expunges=command.uid))
        return out

    def _copy(self, command: Command) -> list[bytes]:
        selected = self._selected()
        if len(command.args) != 2:
            raise _bad(f"{command.name} takes a sequence set and a mailbox name")
        numbers = self._numbers(command.uid, command.args[0])
        name = self._mailbox_name(command.args[1])
        account = selected.account
        target = account.folders.get(name)
        if target is None or target.noselect:
            raise _no(f"Mailbox doesn't exist: {name}", "TRYCREATE")
        moving = command.name == "MOVE"
        if moving and selected.readonly:
            raise _no("Mailbox is read-only")
        sources = [selected.view[n - 1] for n in numbers]
        if any(not _in_folder(e, selected.folder) for e in sources):
            # Another session expunged some of them and this client was not told
            # yet: copy nothing, as Dovecot does (RFC 2180 4.4.1 allows either).
            raise _no("Some of the requested messages no longer exist", "EXPUNGEISSUED")
        if not sources:
            if moving:
                return [self._done(command.tag, "No messages moved.")]
            return [self._done(command.tag, "No messages copied.")]
        copies = self.store.append(
            account,
            target,
            [(e.message, e.flags, e.internal_date) for e in sources],
        )
        code = (
            f"COPYUID {target.uidvalidity} {_compress([e.uid for e in sources])} "
            f"{_compress([e.uid for e in copies])}"
        )
        if not moving:
            return [self._done(command.tag, "Copy completed.", code)]
        # RFC 6851: COPYUID goes in an untagged OK before the EXPUNGEs.
        out = [f"* OK [{code}] Moved UIDs.\r\n".encode()]
        self.store.expunge(account, selected.folder, [e.uid for e in sources])
        out.append(self._done(command.tag, "Move completed."))
        return out

    def _idle(self, command: Command) -> list[bytes] | None:
        _no_args(command)
        self.idling = command.tag
        self.parser_mode = "line"
        pending = self._catch_up(expunges=True) if self.state is State.SELECTED else []
        return [b"+ idling\r\n", *pending]

    # -- selected-state helpers ----------------------------------------------------

    def _selected(self) -> Selected:
        selected = self.selected
        assert selected is not None
        if not self.store.is_current(selected.account, selected.folder):
            self._lose_mailbox()
        return selected

    def _lose_mailbox(self) -> None:
        # The folder was deleted, renamed or the store cleared under us. UIDs can
        # not stay valid, so say so and end the session (RFC 3501 section 7.1.5
        # BYE), as Dovecot does when a mailbox disappears.
        self.closed = True
        self.selected = None
        self.state = State.LOGOUT
        raise _no("Mailbox was removed or reset", "CLOSED")

    def _numbers(self, uid: bool, token: Token) -> list[int]:
        """Sequence numbers (1-based, ascending) that a sequence or UID set names."""
        selected = self.selected
        assert selected is not None
        spec = _sequence_set(token)
        view = selected.view
        if uid:
            largest = view[-1].uid if view else 0
            # RFC 3501 6.4.8: UIDs that no longer exist are ignored; `*` is the
            # largest UID, and `n:*` includes it even when n is larger.
            out = []
            for low, high in sorted(spec.bounds(largest)):
                start = bisect_right(view, low - 1, key=lambda e: e.uid)
                for index in range(start, len(view)):
                    if view[index].uid > high:
                        break
                    out.append(index + 1)
            return sorted(set(out))
        count = len(view)
        numbers: set[int] = set()
        for low, high in spec.bounds(count):
            if low < 1 or high > count:
                raise _bad("Invalid message sequence number" if count else "No messages")
            numbers.update(range(low, high + 1))
        return sorted(numbers)

    def _set_flags(self, selected: Selected, changes: list[tuple[Entry, frozenset[str]]]) -> None:
        if not changes:
            return
        with self.store.lock:
            told = selected.folder.flags_modseq <= selected.known_modseq
            self.store.set_flags(selected.account, selected.folder, changes)
            if told:
                # Nobody else changed flags since the client was last told: the
                # next catch-up need not look for this session's own changes.
                selected.known_modseq = selected.folder.highest_modseq
                return
        for entry, _ in changes:
            selected.own[entry.uid] = entry.modseq

    def _catch_up(self, *, expunges: bool) -> list[bytes]:
        """Untagged responses that bring the view up to the folder's state."""
        selected = self.selected
        if selected is None or self.state is not State.SELECTED:
            return []
        if not self.store.is_current(selected.account, selected.folder):
            self.closed = True
            self.selected = None
            self.state = State.LOGOUT
            return [b"* BYE [ALERT] Mailbox was removed or reset.\r\n"]
        out: list[bytes] = []
        folder = selected.folder
        with self.store.lock:
            current = folder.entries
            removals = folder.removals
            view = selected.view
            if expunges and removals != selected.removals:
                selected.removals = removals
                live = {id(e) for e in current}
                recent = len(selected.recent)
                for index in range(len(view) - 1, -1, -1):
                    if id(view[index]) not in live:
                        out.append(b"* %d EXPUNGE\r\n" % (index + 1))
                        selected.recent.discard(view[index].uid)
                        del view[index]
                if len(selected.recent) != recent:
                    # As Dovecot: the client's RECENT count is kept right.
                    out.append(b"* %d RECENT\r\n" % len(selected.recent))
            last = view[-1].uid if view else 0
            fresh: list[Entry] = []
            if current and current[-1].uid > last:
                fresh = current[bisect_right(current, last, key=lambda e: e.uid) :]
            if fresh:
                floor = folder.recent_floor if selected.readonly else folder.take_recent()
                selected.recent.update(e.uid for e in fresh if e.uid >= floor)
            if folder.flags_modseq > selected.known_modseq:
                since = selected.known_modseq
                changed = [(n, e) for n, e in enumerate(view, 1) if e.modseq > since]
                out += self._new_keywords(selected, [*(e for _, e in changed), *fresh])
                for number, entry in changed:
                    if selected.own.get(entry.uid) != entry.modseq:
                        parts = b"UID %d FLAGS (%s)" % (entry.uid, _flag_list(entry, selected))
                        if self.condstore:
                            parts += b" MODSEQ (%d)" % entry.modseq
                        out.append(b"* %d FETCH (%s)\r\n" % (number, parts))
                selected.own.clear()
            elif fresh:
                out += self._new_keywords(selected, fresh)
            selected.known_modseq = folder.highest_modseq
            if fresh:
                view.extend(fresh)
                out.append(b"* %d EXISTS\r\n" % len(view))
                out.append(b"* %d RECENT\r\n" % len(selected.recent))
        return out

    def _new_keywords(self, selected: Selected, entries: list[Entry]) -> list[bytes]:
        """FLAGS and PERMANENTFLAGS again if `entries` use keywords the client has
        not been told about."""
        known = set(selected.keywords)
        new = {f for e in entries if e.flags for f in e.flags if f[0] != "\\"} - known
        if not new:
            return []
        selected.keywords = sorted(known | new)
        flags = " ".join((*SYSTEM_FLAGS, *selected.keywords))
        out = [f"* FLAGS ({flags})\r\n".encode()]
        if not selected.readonly:
            out.append(f"* OK [PERMANENTFLAGS ({flags} \\*)] Flags permitted.\r\n".encode())
        return out

    # -- small helpers -------------------------------------------------------------

    def _account(self) -> Account:
        account = self.account
        assert account is not None and self.user is not None
        if not self.store.is_current(account):
            # `clear()` replaced the accounts; log in to the new one (same address).
            account = self.store.account(self.user)
            assert account is not None
            with self.store.lock:
                account.add_special_folders()
            self.account = account
        return account

    def _mailbox_name(self, token: Token) -> str:
        name = _unicode_name(_text(token))
        # RFC 3501 5.1: INBOX is case-insensitive, and so is its first level.
        if name.upper() == INBOX:
            return INBOX
        if name.upper().startswith(INBOX + SEPARATOR):
            return INBOX + name[len(INBOX) :]
        return name


@dataclass
class _SaslExchange:
    tag: str
    mechanism: str
    steps: sasl.Exchange


_COMMANDS: dict[str, tuple[frozenset[State], Handler]] = {
    "CAPABILITY": (_ANY, Session._capability),
    "NOOP": (_ANY, Session._noop),
    "LOGOUT": (_ANY, Session._logout),
    "ID": (_ANY, Session._id),
    "STARTTLS": (_NOT_AUTH, Session._starttls),
    "LOGIN": (_NOT_AUTH, Session._login_command),
    "AUTHENTICATE": (_NOT_AUTH, Session._authenticate),
    "NAMESPACE": (_AUTH, Session._namespace),
    "ENABLE": (_AUTH, Session._enable),
    "SELECT": (_AUTH, Session._select),
    "EXAMINE": (_AUTH, Session._select),
    "CREATE": (_AUTH, Session._create),
    "DELETE": (_AUTH, Session._delete),
    "RENAME": (_AUTH, Session._rename),
    "SUBSCRIBE": (_AUTH, Session._subscribe),
    "UNSUBSCRIBE": (_AUTH, Session._subscribe),
    "LIST": (_AUTH, Session._list),
    "LSUB": (_AUTH, Session._list),
    "STATUS": (_AUTH, Session._status),
    "APPEND": (_AUTH, Session._append),
    "IDLE": (_AUTH, Session._idle),
    "CHECK": (_SELECTED, Session._check),
    "CLOSE": (_SELECTED, Session._close),
    "UNSELECT": (_SELECTED, Session._close),
    "EXPUNGE": (_SELECTED, Session._expunge),
    "SEARCH": (_SELECTED, Session._search),
    "FETCH": (_SELECTED, Session._fetch),
    "STORE": (_SELECTED, Session._store),
    "COPY": (_SELECTED, Session._copy),
    "MOVE": (_SELECTED, Session._copy),
}
_UID_ALLOWED = frozenset({"FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE"})


# -- formatting and argument helpers ----------------------------------------------


def _tagged(tag: str, status: str, text: str, code: str = "") -> bytes:
    code_part = f"[{code}] " if code else ""
    return f"{tag} {status} {code_part}{text}\r\n".encode()


def _no_args(command: Command) -> None:
    if command.args:
        raise _bad(f"{command.name} takes no arguments")


def _text(token: Token) -> str:
    if isinstance(token, bytes):
        return token.decode("utf-8", "replace")
    if isinstance(token, str):
        return token
    raise _bad("Expected a string, not a list")


def _check_name(name: str) -> None:
    if any(ch in name for ch in "*%\r\n\0") or SEPARATOR * 2 in name:
        raise _bad("Invalid mailbox name")


def _unicode_name(name: str) -> str:
    """A mailbox name as the store keeps it: modified UTF-7 decoded. A name that is
    not valid modified UTF-7 (a client sending raw UTF-8, say) is kept as sent."""
    if "&" not in name:
        return name
    try:
        return mutf7.decode(name)
    except ValueError:
        return name


def _mailbox_out(name: str) -> bytes:
    """A mailbox name on the wire: modified UTF-7 (printable ASCII only), as an atom
    where it can be one, else quoted."""
    wire = mutf7.encode(name)
    if wire and all(c != " " and c not in '"\\(){%*]' for c in wire):
        return wire.encode()
    return b'"' + wire.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


def _pattern(pattern: str) -> Callable[[str], bool]:
    """LIST wildcards (RFC 3501 6.3.8): `*` matches anything, `%` stops at `/`."""
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "%":
            parts.append(f"[^{re.escape(SEPARATOR)}]*")
        else:
            parts.append(re.escape(ch))
    body = "".join(parts)
    # INBOX matches case-insensitively; other names exactly.
    regex = re.compile(f"^{body}$", re.DOTALL)
    inbox = re.compile(f"^{body}$", re.DOTALL | re.IGNORECASE)
    return lambda name: bool(regex.match(name) or (name == INBOX and inbox.match(name)))


def _flags(tokens: list[Token]) -> frozenset[str]:
    flags = set()
    for token in tokens:
        if not isinstance(token, str) or not _KEYWORD.match(token):
            raise _bad(f"Invalid flag {str(token)[:30]}")
        if token.startswith("\\"):
            known = _SYSTEM_FOLDED.get(token.lower())
            if known is None:
                raise _bad(f"Invalid system flag {token[:30]}")
            token = known
        flags.add(token)
    return frozenset(flags)


def _flag_list(entry: Entry, selected: Selected) -> bytes:
    """System flags in RFC order, then \\Recent, then keywords (Dovecot's order)."""
    flags = [f for f in SYSTEM_FLAGS if f in entry.flags]
    if entry.uid in selected.recent:
        flags.append("\\Recent")
    if len(flags) < len(entry.flags) + (entry.uid in selected.recent):
        flags += sorted(f for f in entry.flags if f[0] != "\\")
    return " ".join(flags).encode()


def _keywords(entries: list[Entry]) -> list[str]:
    found: set[str] = set()
    for entry in entries:
        if entry.flags:
            found.update(f for f in entry.flags if not f.startswith("\\"))
    return sorted(found)


_STATUS_ITEMS = ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE")


def _status_value(folder: Folder, key: str) -> int:
    if key == "MESSAGES":
        return len(folder.entries)
    if key == "RECENT":
        return sum(1 for e in folder.entries if e.uid >= folder.recent_floor)
    if key == "UIDNEXT":
        return folder.uidnext
    if key == "UIDVALIDITY":
        return folder.uidvalidity
    if key == "UNSEEN":
        return sum(1 for e in folder.entries if "\\Seen" not in e.flags)
    if key == "HIGHESTMODSEQ":
        return folder.highest_modseq
    return sum(len(e.message.raw) for e in folder.entries)  # SIZE (RFC 8438)


def _in_folder(entry: Entry, folder: Folder) -> bool:
    """Whether `entry` is still in `folder` (not expunged by anyone): a binary search
    by UID, not a scan of a folder that may hold 100,000 messages."""
    entries = folder.entries
    index = bisect_right(entries, entry.uid, key=lambda e: e.uid) - 1
    return index >= 0 and entries[index] is entry


def _sequence_set(token: Token) -> SequenceSet:
    if not isinstance(token, str):
        raise _bad("Invalid sequence set")
    try:
        return SequenceSet.parse(token)
    except SequenceError as error:
        raise _bad(str(error)) from None


def _modifier(token: Token, name: str) -> int:
    """The number of a `(NAME n)` modifier list (RFC 7162 CHANGEDSINCE/UNCHANGEDSINCE)."""
    if (
        not isinstance(token, list)
        or len(token) != 2
        or not isinstance(token[0], str)
        or token[0].upper() != name
        or not isinstance(token[1], str)
        or not token[1].isdigit()
        or not token[1].isascii()
    ):
        raise _bad(f"Expected ({name} n)")
    return int(token[1])


def _compress(numbers: list[int]) -> str:
    """1,2,3,5 -> 1:3,5 (a UID set for COPYUID and MODIFIED)."""
    ranges: list[str] = []
    start = previous = None
    for n in numbers:
        if previous is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            ranges.append(f"{start}" if start == previous else f"{start}:{previous}")
        start = previous = n
    if start is not None:
        ranges.append(f"{start}" if start == previous else f"{start}:{previous}")
    return ",".join(ranges)


def _date_time(text: str) -> datetime:
    try:
        return parse_date_time(text)
    except ValueError:
        raise _bad("Invalid date-time") from None
