"""The one in-memory store: the capture log, accounts, folders, and change notices.

Every protocol reads and writes here. One re-entrant lock guards it, because the
server's event-loop thread delivers while the test's thread reads and waits. Each
change bumps `version` and is published: sync waiters sleep on a
`threading.Condition` tied to the lock, anything else (async waiters, IMAP IDLE,
the HTTP events stream) subscribes a callback. Nobody polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
import threading
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mailtrap_py.message import Message
from mailtrap_py.query import Caseless, Criteria, Term

log = logging.getLogger("mailtrap_py.store")

INBOX = "INBOX"
# The hierarchy separator of folder names, as IMAP shows it.
SEPARATOR = "/"
# RFC 6154 SPECIAL-USE folders every account gets when it first logs in over IMAP
# (made then, not at delivery: most captured recipients never log in, and five
# more folders each would cost memory for nothing).
SPECIAL_FOLDERS = {
    "Archive": "\\Archive",
    "Drafts": "\\Drafts",
    "Junk": "\\Junk",
    "Sent": "\\Sent",
    "Trash": "\\Trash",
}

# RFC 3501 section 2.3.1.1: UIDVALIDITY must change whenever UIDs of a folder may
# be reused. A clock-seeded counter makes every folder ever made in this process
# (including after `clear()`) get a larger value than the one it replaces, so a
# client that cached the old folder sees the change instead of stale UIDs.
_uidvalidity = itertools.count(int(time.time()))

# "expunged": messages left one account's folder (POP3 QUIT, IMAP EXPUNGE) but stay
# in the capture log; `Change.account` and `Change.folder` say whose.
# Search-language fields answered from a column (see Store.search).
_COLUMNS = {"subject": "subject", "from_any": "from", "to_any": "to"}
_SEPARATOR = "\x01"
_SLICE = 4096
# Messages read between two passes through the event loop in `search_async`:
# about 0.1 s of header parsing at the slowest rate measured.
_ASYNC_SLICE = 512


class _Column:
    """One string per message, joined into one text with the start of each.

    `str.find` over one contiguous text runs at memory speed; a Python loop over
    100,000 separate strings costs a few hundred nanoseconds a message (40 ms).
    A column is never changed: extending it makes a new one.
    """

    __slots__ = ("starts", "text")

    def __init__(self, text: str = "", starts: array[int] | None = None) -> None:
        self.text = text
        # array('q'): 8 bytes an entry, where a list of ints costs 36.
        self.starts = starts if starts is not None else array("q")

    def __len__(self) -> int:
        return len(self.starts)

    def extended(self, messages: list[Message], field: str) -> _Column:
        """This column followed by the search text of `messages`."""
        starts = array("q", self.starts)
        position = len(self.text)
        pieces = [self.text]
        # Slice by slice: only one slice's folded strings are alive at a time.
        for first in range(0, len(messages), _SLICE):
            values = [m.search_text(field) for m in messages[first : first + _SLICE]]
            for value in values:
                starts.append(position)
                position += len(value) + 1
            values.append("")  # so the join ends with a separator
            pieces.append(_SEPARATOR.join(values))
        return _Column("".join(pieces), starts)

    def find_all(self, needle: str) -> list[int]:
        """Indexes of the values that contain `needle` (no separator in it)."""
        text, starts, hits = self.text, self.starts, []
        count = len(starts)
        position = text.find(needle)
        while position >= 0:
            index = bisect_right(starts, position) - 1
            hits.append(index)
            if index + 1 >= count:
                break
            position = text.find(needle, starts[index + 1])
        return hits


# "updated": flags changed or messages were appended or copied into one folder
# (IMAP); "folders": a folder was made, removed or renamed.
def _column_term(criteria: Criteria) -> Term | None:
    """The first term a column can answer (see `Store.search`), if any."""
    for term in criteria.terms:
        if (
            isinstance(term.matcher, Caseless)
            and term.field in _COLUMNS
            and _SEPARATOR not in term.matcher.folded
            and "\0" not in term.matcher.folded  # search_text joins parts with NUL
        ):
            return term
    return None


def _answer(
    criteria: Criteria, term: Term, messages: list[Message], column: _Column
) -> list[Message]:
    assert isinstance(term.matcher, Caseless)
    hits = column.find_all(term.matcher.folded)
    if term.negate:
        excluded = set(hits)
        picked = [m for i, m in enumerate(messages) if i not in excluded]
    else:
        picked = [messages[i] for i in hits]
    rest = Criteria(tuple(t for t in criteria.terms if t is not term))
    return rest.filter(picked) if rest else picked


ChangeKind = Literal["added", "deleted", "cleared", "accounts", "expunged", "updated", "folders"]


@dataclass(frozen=True)
class Change:
    """What changed. `messages` holds the added, deleted or expunged messages."""

    kind: ChangeKind
    messages: tuple[Message, ...] = ()
    account: str | None = None
    folder: str | None = None


Subscriber = Callable[[Change], None]


_NO_FLAGS: frozenset[str] = frozenset()


def _seq_of(message_id: str) -> int:
    """The seq an id was made from (`Message.id`), or -1 for no message's id."""
    try:
        seq = int(message_id, 16)
    except ValueError:
        return -1
    return seq if f"{seq:08x}" == message_id else -1


class Entry:
    """A message's place in one folder: its UID, flags and internal date."""

    __slots__ = ("flags", "internal_date", "message", "modseq", "uid")

    def __init__(self, message: Message, uid: int, internal_date: datetime, modseq: int) -> None:
        self.message = message
        self.uid = uid
        # Most entries never get a flag: they share one empty set until they do.
        # Replace `flags`, never change it in place: `entry.flags = entry.flags | {f}`.
        self.flags: frozenset[str] = _NO_FLAGS
        self.internal_date = internal_date
        self.modseq = modseq


class Folder:
    """A mailbox: entries in UID order, with the counters IMAP and POP3 report."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.uidvalidity = next(_uidvalidity)
        self.uidnext = 1
        self.highest_modseq = 1
        # The mod-sequence of the last flag change: IMAP sessions look for changed
        # flags only when it moved (new mail and expunges move highest_modseq too).
        self.flags_modseq = 0
        self.entries: list[Entry] = []
        self.subscribed = True
        # \Recent (RFC 3501 section 2.3.2): a message is recent to the first IMAP
        # session that sees it; entries from this UID on have not been seen yet.
        self.recent_floor = 1
        # Counts removals, so an IMAP session knows when to look for expunges.
        self.removals = 0
        # A name kept only for the folders below it (IMAP \Noselect, RFC 3501
        # 6.3.4): it holds no messages and cannot be selected.
        self.noselect = False

    def append(self, message: Message, internal_date: datetime | None = None) -> Entry:
        self.highest_modseq += 1
        entry = Entry(
            message, self.uidnext, internal_date or message.received_at, self.highest_modseq
        )
        self.uidnext += 1
        self.entries.append(entry)
        return entry

    def set_flags(self, entry: Entry, flags: frozenset[str]) -> None:
        """Give `entry` new flags and a new mod-sequence (RFC 7162)."""
        self.highest_modseq += 1
        entry.flags = flags
        entry.modseq = self.flags_modseq = self.highest_modseq

    def take_recent(self) -> int:
        """The first UID that is recent to the caller; later callers get none of them."""
        floor, self.recent_floor = self.recent_floor, self.uidnext
        return floor

    def drop(self, doomed: Callable[[Entry], bool]) -> list[Entry]:
        """Remove the entries `doomed` picks; returns them. Every removal goes
        through here: the counters IMAP sessions watch must move with it."""
        gone = [e for e in self.entries if doomed(e)]
        if gone:
            self.entries = [e for e in self.entries if not doomed(e)]
            self.highest_modseq += 1
            self.removals += 1
        return gone

    def remove_messages(self, doomed: set[int]) -> None:
        """Drop entries whose message `seq` is in `doomed`."""
        self.drop(lambda e: e.message.seq in doomed)

    def __repr__(self) -> str:
        return f"<Folder {self.name} {len(self.entries)} messages uidnext={self.uidnext}>"


class Account:
    """One mailbox owner, named by address. `password` None accepts any password."""

    def __init__(self, address: str, password: str | None = None) -> None:
        self.address = address
        self.password = password
        self.folders: dict[str, Folder] = {INBOX: Folder(INBOX)}

    @property
    def inbox(self) -> Folder:
        return self.folders[INBOX]

    def has_children(self, name: str) -> bool:
        """Whether folders exist below `name` (`name/...`)."""
        prefix = name + SEPARATOR
        return any(other.startswith(prefix) for other in self.folders)

    def add_special_folders(self) -> None:
        for name in SPECIAL_FOLDERS:
            if name not in self.folders:
                self.folders[name] = Folder(name)

    def __repr__(self) -> str:
        return f"<Account {self.address} folders={list(self.folders)}>"


def account_key(address: str) -> str:
    # Local parts are case-sensitive by RFC 5321, but no real server and no user
    # treats Ann@ and ann@ as two people; one account for both avoids surprises.
    return address.strip().lower()


class Store:
    """Capture log plus accounts; thread-safe; publishes every change."""

    def __init__(
        self,
        *,
        strict: bool = False,
        max_messages: int | None = None,
        catchall_login: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._messages: list[Message] = []
        self._by_id: dict[int, Message] = {}  # by seq: the id is made from it
        self.accounts: dict[str, Account] = {}
        self._declared: dict[str, str] = {}
        self.strict = strict
        self.max_messages = max_messages
        self.catchall_login = catchall_login
        self.version = 0
        # Bumped when messages leave the log, so incremental waiters rescan.
        self._generation = 0
        self._subscribers: list[Subscriber] = []
        # Search columns: case-folded summary fields, aligned with the log's start.
        self._columns: dict[str, _Column] = {}
        self._columns_generation = 0

    # -- reading -------------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """A snapshot of the capture log in arrival order."""
        with self.lock:
            return list(self._messages)

    def __len__(self) -> int:
        return len(self._messages)

    def search(self, criteria: Criteria) -> list[Message]:
        """Messages matching `criteria`, in arrival order.

        The same answer as `criteria.filter(store.messages)`, but a case-insensitive
        term on the subject, sender or recipients (the search language's `subject:`,
        `from:`, `to:`) is answered from a column of folded strings kept beside the
        log: one C-level pass over 100,000 strings instead of a Python call per
        message. The other terms then filter what is left.
        """
        term = _column_term(criteria)
        if term is None:
            return criteria.filter(self.messages)
        messages, column = self._column(_COLUMNS[term.field])
        return _answer(criteria, term, messages, column)

    async def search_async(self, criteria: Criteria) -> list[Message]:
        """`search` for code on the server's event loop (the HTTP API).

        The first search over a large log reads every message's header block (about
        17 s for 100,000 messages); done in one go it would stall every SMTP, POP3,
        IMAP and HTTP connection meanwhile. Here the work goes in slices of 512
        messages with a pass through the loop between them.
        """
        term = _column_term(criteria)
        if term is None:
            found: list[Message] = []
            messages = self.messages
            for first in range(0, len(messages), _ASYNC_SLICE):
                found += criteria.filter(messages[first : first + _ASYNC_SLICE])
                await asyncio.sleep(0)
            return found
        name = _COLUMNS[term.field]
        # Bounded: with mail evicted as fast as it comes (max_messages), the column
        # keeps starting anew; after this many slices the rest is done in one go.
        for _ in range(len(self) // _ASYNC_SLICE + 3):
            with self.lock:
                done = self._columns_generation == self._generation and len(
                    self._columns.get(name) or ()
                ) >= len(self._messages)
            if done:
                break
            self._column(name, limit=_ASYNC_SLICE)
            await asyncio.sleep(0)
        messages, column = self._column(name)
        return _answer(criteria, term, messages, column)

    def _column(self, name: str, limit: int | None = None) -> tuple[list[Message], _Column]:
        """The log and one folded summary field of each message, built on first use
        and extended as mail arrives; a removal (generation change) starts it anew.
        With `limit`, at most that many messages are added to the column this time
        (the returned column may then be shorter than the log)."""
        with self.lock:
            messages = list(self._messages)
            generation = self._generation
            if self._columns_generation != generation:
                self._columns = {}
                self._columns_generation = generation
            column = self._columns.get(name) or _Column()
        if len(column) < len(messages):
            # Header summaries may need parsing: outside the lock, so delivery never
            # waits on a search.
            end = len(messages) if limit is None else len(column) + limit
            column = column.extended(messages[len(column) : end], name)
            with self.lock:
                known = self._columns.get(name)
                if self._columns_generation == generation and len(known or ()) < len(column):
                    self._columns[name] = column
        return messages, column

    def get(self, message_id: str) -> Message | None:
        with self.lock:
            return self._by_id.get(_seq_of(message_id))

    def account(self, address: str, *, create: bool = True) -> Account | None:
        key = account_key(address)
        with self.lock:
            found = self.accounts.get(key)
            if found is None and create:
                found = self.accounts[key] = Account(key, self._declared.get(key))
                self._publish_locked(Change("accounts"))
            return found

    # -- writing -------------------------------------------------------------

    def deliver(self, message: Message) -> None:
        """Log `message` and append it to the INBOX of every envelope recipient."""
        with self.lock:
            self._messages.append(message)
            self._by_id[message.seq] = message
            keys = dict.fromkeys(account_key(r) for r in message.recipients)
            if self.catchall_login:
                keys[account_key(self.catchall_login)] = None
            for key in keys:
                account = self.accounts.get(key)
                if account is None:
                    account = self.accounts[key] = Account(key, self._declared.get(key))
                account.inbox.append(message)
            evicted: list[Message] = []
            if self.max_messages is not None and len(self._messages) > self.max_messages:
                evicted = self._messages[: len(self._messages) - self.max_messages]
                self._remove_locked(evicted)
            self._publish_locked(Change("added", (message,)))
            if evicted:
                self._publish_locked(Change("deleted", tuple(evicted)))

    def delete(self, message_ids: Iterable[str]) -> list[Message]:
        """Remove messages from the log and from every folder; returns those found."""
        with self.lock:
            found = (self._by_id.get(_seq_of(i)) for i in message_ids)
            doomed = [m for m in found if m is not None]
            if doomed:
                self._remove_locked(doomed)
                self._publish_locked(Change("deleted", tuple(doomed)))
            return doomed

    def clear(self) -> None:
        """Empty the capture log and forget every account's mail; declared users stay."""
        with self.lock:
            self._messages = []
            self._by_id = {}
            self.accounts = {}
            self._generation += 1
            self._publish_locked(Change("cleared"))

    def expunge(self, account: Account, folder: Folder, uids: Iterable[int]) -> list[Entry]:
        """Remove the entries with these UIDs from one account's folder.

        The capture log keeps the messages: only this mailbox forgets them. If the
        account or folder is no longer the store's (a `clear()` came in between),
        nothing is removed, so stale UIDs never hit a newer folder's entries.
        Returns the removed entries.
        """
        wanted = set(uids)
        with self.lock:
            current = self.accounts.get(account.address)
            if current is not account or account.folders.get(folder.name) is not folder:
                return []
            gone = folder.drop(lambda e: e.uid in wanted)
            self._publish_expunged_locked(account, folder, gone)
            return gone

    def _publish_expunged_locked(self, account: Account, folder: Folder, gone: list[Entry]) -> None:
        if gone:
            self._publish_locked(
                Change(
                    "expunged",
                    tuple(e.message for e in gone),
                    account=account.address,
                    folder=folder.name,
                )
            )

    def _remove_locked(self, doomed: list[Message]) -> None:
        seqs = {m.seq for m in doomed}
        self._messages = [m for m in self._messages if m.seq not in seqs]
        for m in doomed:
            self._by_id.pop(m.seq, None)
        for account in self.accounts.values():
            for folder in account.folders.values():
                folder.remove_messages(seqs)
        self._generation += 1

    # -- folders (IMAP) ------------------------------------------------------

    def is_current(self, account: Account, folder: Folder | None = None) -> bool:
        """Whether `account` (and `folder` in it) are still the store's: a `clear()`
        replaces every account."""
        with self.lock:
            if self.accounts.get(account.address) is not account:
                return False
            return folder is None or account.folders.get(folder.name) is folder

    def create_folder(self, account: Account, name: str, *, parents_only: bool = False) -> None:
        """Make folder `name` and the levels above it that are missing (RFC 3501
        6.3.3); a `\\Noselect` name becomes a folder again. `parents_only`: just
        the levels above (what RENAME needs before moving a folder there)."""
        with self.lock:
            parts = name.split(SEPARATOR)
            for depth in range(1, len(parts) + (0 if parents_only else 1)):
                level = SEPARATOR.join(parts[:depth])
                existing = account.folders.get(level)
                if existing is None:
                    account.folders[level] = Folder(level)
                elif existing.noselect and level == name:
                    existing.noselect = False
                else:
                    continue
                self._publish_locked(Change("folders", account=account.address, folder=level))

    def delete_folder(self, account: Account, name: str) -> bool:
        """Remove a folder; True if it went. One with folders below it (`name/...`)
        stays as a name only: its messages go and it becomes \\Noselect (RFC 3501
        6.3.4), so False."""
        with self.lock:
            folder = account.folders.get(name)
            if folder is None:
                return False
            if account.has_children(name):
                folder.noselect = True
                self._publish_expunged_locked(account, folder, folder.drop(lambda e: True))
                self._publish_locked(Change("folders", account=account.address, folder=name))
                return False
            del account.folders[name]
            self._publish_locked(Change("folders", account=account.address, folder=name))
            return True

    def rename_folder(self, account: Account, old: str, new: str) -> None:
        """Rename `old` and the folders below it (`old/...`). Renaming INBOX moves
        its messages to the new name and leaves INBOX empty (RFC 3501 6.3.5)."""
        with self.lock:
            if old == INBOX:
                # INBOX itself stays (same UIDVALIDITY, same UIDNEXT), so sessions
                # that have it selected see its messages expunged, not a new folder.
                source = account.folders[INBOX]
                target = account.folders[new] = Folder(new)
                for entry in source.entries:
                    target.append(entry.message, entry.internal_date).flags = entry.flags
                self._publish_expunged_locked(account, source, source.drop(lambda e: True))
            else:
                prefix = old + SEPARATOR
                renamed = {}
                for name, folder in account.folders.items():
                    if name == old or name.startswith(prefix):
                        folder.name = new + name[len(old) :]
                        renamed[name] = folder
                for name in renamed:
                    del account.folders[name]
                for folder in renamed.values():
                    account.folders[folder.name] = folder
            self._publish_locked(Change("folders", account=account.address, folder=new))

    def append(
        self,
        account: Account,
        folder: Folder,
        messages: list[tuple[Message, frozenset[str], datetime | None]],
    ) -> list[Entry]:
        """Add messages to one folder (IMAP APPEND, COPY, MOVE). They join that
        mailbox only: the capture log holds what arrived over SMTP."""
        with self.lock:
            entries = []
            for message, flags, internal_date in messages:
                entry = folder.append(message, internal_date)
                entry.flags = flags or _NO_FLAGS
                entries.append(entry)
            self._publish_locked(
                Change(
                    "updated",
                    tuple(m for m, _, _ in messages),
                    account=account.address,
                    folder=folder.name,
                )
            )
            return entries

    def set_flags(
        self, account: Account, folder: Folder, changes: list[tuple[Entry, frozenset[str]]]
    ) -> None:
        """Give entries of one folder new flags, each with a new mod-sequence."""
        with self.lock:
            for entry, flags in changes:
                folder.set_flags(entry, flags)
            if changes:
                self._publish_locked(Change("updated", account=account.address, folder=folder.name))

    # -- users ---------------------------------------------------------------

    def declare_user(self, address: str, password: str) -> Account:
        """Declare a login; in strict mode only declared users may log in."""
        key = account_key(address)
        with self.lock:
            self._declared[key] = password
            account = self.accounts.get(key)
            if account is None:
                account = self.accounts[key] = Account(key, password)
            account.password = password
            self._publish_locked(Change("accounts"))
            return account

    def remove_user(self, address: str) -> bool:
        key = account_key(address)
        with self.lock:
            known = self._declared.pop(key, None) is not None
            known = self.accounts.pop(key, None) is not None or known
            if known:
                self._publish_locked(Change("accounts"))
            return known

    @property
    def declared_users(self) -> dict[str, str]:
        with self.lock:
            return dict(self._declared)

    def password_of(self, user: str) -> str | None:
        """The declared password of `user`, or None (unknown, or any password)."""
        with self.lock:
            return self._declared.get(account_key(user))

    def check_login(self, user: str, password: str) -> bool:
        """Catch-all by default: any password for any user. Declared users must
        give their password; in strict mode nobody else gets in."""
        expected = self.password_of(user)
        if expected is None:
            return bool(user) and not self.strict
        return hmac.compare_digest(expected.encode(), password.encode())

    # -- notifications -------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(change)` after every change, from the changing thread.

        The callback runs with the store lock held, so it must be quick and must not
        block: hand the change to your own loop or queue. Returns an unsubscribe.
        """
        with self.lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self.lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _publish_locked(self, change: Change) -> None:
        self.version += 1
        self._changed.notify_all()
        for callback in list(self._subscribers):
            try:
                callback(change)
            except Exception:
                log.exception("store subscriber %r failed", callback)

    # -- waiting -------------------------------------------------------------

    def _scan(self, criteria: Criteria, state: _ScanState) -> int:
        """Match messages that arrived since the last scan; returns the version seen."""
        with self.lock:
            version = self.version
            if state.generation != self._generation:
                state.reset(self._generation)
            # Within a generation the log only grows, so a position in it marks what
            # was scanned. (Not `seq`: that is taken when a Message is made, and two
            # threads may deliver theirs in the other order.)
            fresh = self._messages[state.position :]
            state.position = len(self._messages)
        # Matching parses messages: do it outside the lock so delivery never waits.
        state.found.extend(m for m in fresh if criteria.matches(m))
        return version

    def wait_for(self, criteria: Criteria, timeout: float, count: int = 1) -> list[Message]:
        """Block until `count` messages match (they may already be here) or until
        `timeout` seconds pass; returns what matched, which may be fewer."""
        deadline = time.monotonic() + timeout
        state = _ScanState()
        while True:
            seen = self._scan(criteria, state)
            if len(state.found) >= count:
                return state.found[:count]
            with self.lock:
                while self.version == seen:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return state.found
                    self._changed.wait(remaining)

    async def wait_for_async(
        self, criteria: Criteria, timeout: float, count: int = 1
    ) -> list[Message]:
        """`wait_for` for a coroutine, on any event loop (not only the server's)."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def on_change(_change: Change) -> None:
            loop.call_soon_threadsafe(wake.set)

        unsubscribe = self.subscribe(on_change)
        deadline = loop.time() + timeout
        state = _ScanState()
        try:
            while True:
                wake.clear()
                self._scan(criteria, state)
                if len(state.found) >= count:
                    return state.found[:count]
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return state.found
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), remaining)
        finally:
            unsubscribe()


class _ScanState:
    def __init__(self) -> None:
        self.generation = -1
        self.position = 0
        self.found: list[Message] = []

    def reset(self, generation: int) -> None:
        self.generation = generation
        self.position = 0
        self.found = []
