"""The store: capture log, accounts and folders, users, change notices and waits."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from mailtrap_py.message import Message
from mailtrap_py.query import Criteria
from mailtrap_py.store import INBOX, Change, Store, account_key

# Waits that should end early get this much time; a pass must take far less.
LONG = 30.0


def make(subject: str = "hi", *recipients: str, sender: str = "app@example.com") -> Message:
    raw = f"Subject: {subject}\r\nFrom: {sender}\r\n\r\nbody\r\n".encode()
    return Message(raw, sender=sender, recipients=recipients or ("ann@example.com",))


def inbox_subjects(store: Store, address: str) -> list[str]:
    account = store.account(address, create=False)
    assert account is not None
    return [e.message.subject for e in account.inbox.entries]


def recorder(store: Store) -> list[Change]:
    changes: list[Change] = []
    store.subscribe(changes.append)
    return changes


class Waiter(threading.Thread):
    """Runs `store.wait_for` in another thread and records what and when it returned."""

    def __init__(self, store: Store, criteria: Criteria, timeout: float, count: int = 1) -> None:
        super().__init__(daemon=True)
        self.store, self.criteria, self.timeout, self.count = store, criteria, timeout, count
        self.result: list[Message] | None = None
        self.elapsed = -1.0

    def run(self) -> None:
        start = time.monotonic()
        self.result = self.store.wait_for(self.criteria, self.timeout, self.count)
        self.elapsed = time.monotonic() - start

    def finish(self) -> list[Message]:
        self.join(LONG + 5)
        assert not self.is_alive()
        assert self.result is not None
        return self.result


def watching(subject: str, seen: threading.Event, wanted: Callable[[Message], bool]) -> Criteria:
    """Criteria that signal `seen` once the waiter has looked at a message `subject`."""

    def predicate(message: Message) -> bool:
        if message.subject == subject:
            seen.set()
        return wanted(message)

    return Criteria.of(where=predicate)


# -- delivery, accounts, folders -----------------------------------------------------


def test_deliver_logs_the_message_and_fills_each_recipients_inbox() -> None:
    store = Store()
    first = make("one", "ann@example.com", "bob@example.com")
    second = make("two", "bob@example.com")
    store.deliver(first)
    store.deliver(second)
    assert store.messages == [first, second]
    assert len(store) == 2
    assert store.get(first.id) is first
    assert store.get("nope") is None
    assert set(store.accounts) == {"ann@example.com", "bob@example.com"}
    assert inbox_subjects(store, "ann@example.com") == ["one"]
    assert inbox_subjects(store, "bob@example.com") == ["one", "two"]


def test_messages_is_a_snapshot() -> None:
    store = Store()
    store.deliver(make())
    snapshot = store.messages
    snapshot.clear()
    assert len(store.messages) == 1


def test_accounts_are_case_insensitive() -> None:
    store = Store()
    store.deliver(make("one", "Ann@Example.COM"))
    store.deliver(make("two", " ann@example.com "))
    assert list(store.accounts) == ["ann@example.com"]
    assert inbox_subjects(store, "ANN@example.com") == ["one", "two"]
    assert account_key(" Ann@Example.COM ") == "ann@example.com"


def test_uids_increase_and_uidnext_follows() -> None:
    store = Store()
    for n in range(3):
        store.deliver(make(f"m{n}", "ann@example.com"))
    inbox = store.account("ann@example.com", create=False).inbox  # type: ignore[union-attr]
    assert inbox.name == INBOX
    assert [e.uid for e in inbox.entries] == [1, 2, 3]
    assert inbox.uidnext == 4
    # UIDs are never reused, even after the highest one is deleted.
    store.delete([inbox.entries[-1].message.id])
    store.deliver(make("m3", "ann@example.com"))
    assert [e.uid for e in inbox.entries] == [1, 2, 4]
    assert inbox.uidnext == 5


def test_entries_start_unflagged_and_dated_by_arrival() -> None:
    store = Store()
    when = datetime(2026, 11, 27, 10, 30, tzinfo=timezone.utc)
    message = Message(b"Subject: x\r\n\r\n", recipients=["ann@example.com"], received_at=when)
    store.deliver(message)
    (entry,) = store.account("ann@example.com").inbox.entries  # type: ignore[union-attr]
    assert entry.message is message
    assert entry.flags == set()
    assert entry.internal_date == when


def test_modseq_grows_with_every_change_to_a_folder() -> None:
    store = Store()
    store.deliver(make("a"))
    inbox = store.account("ann@example.com").inbox  # type: ignore[union-attr]
    after_one = inbox.highest_modseq
    store.deliver(make("b"))
    assert inbox.highest_modseq > after_one
    assert inbox.entries[1].modseq > inbox.entries[0].modseq
    before_delete = inbox.highest_modseq
    store.delete([inbox.entries[0].message.id])
    assert inbox.highest_modseq > before_delete


def test_duplicate_recipients_get_one_copy() -> None:
    store = Store()
    store.deliver(make("dup", "ann@example.com", "ANN@example.com", "ann@example.com"))
    assert inbox_subjects(store, "ann@example.com") == ["dup"]
    assert len(store.messages) == 1


def test_uidvalidity_of_a_folder_made_after_clear_is_larger() -> None:
    store = Store()
    store.deliver(make())
    old = store.account("ann@example.com").inbox.uidvalidity  # type: ignore[union-attr]
    store.clear()
    store.deliver(make())
    new_inbox = store.account("ann@example.com").inbox  # type: ignore[union-attr]
    assert new_inbox.uidvalidity > old
    assert [e.uid for e in new_inbox.entries] == [1]


def test_uidvalidity_differs_between_folders_and_stores() -> None:
    one, two = Store(), Store()
    values = {
        one.account("a@example.com").inbox.uidvalidity,  # type: ignore[union-attr]
        one.account("b@example.com").inbox.uidvalidity,  # type: ignore[union-attr]
        two.account("a@example.com").inbox.uidvalidity,  # type: ignore[union-attr]
    }
    assert len(values) == 3


def test_account_lookup_with_and_without_create() -> None:
    store = Store()
    changes = recorder(store)
    assert store.account("new@example.com", create=False) is None
    assert changes == []
    account = store.account("New@Example.com")
    assert account is not None
    assert account.address == "new@example.com"
    assert list(account.folders) == [INBOX]
    assert account.password is None
    assert store.account("new@example.com") is account
    assert changes == [Change("accounts")]


def test_catchall_login_sees_every_message() -> None:
    store = Store(catchall_login="All@Catch.example")
    store.deliver(make("one", "ann@example.com"))
    store.deliver(make("two", "bob@example.com", "carol@example.com"))
    assert inbox_subjects(store, "all@catch.example") == ["one", "two"]
    assert inbox_subjects(store, "ann@example.com") == ["one"]


def test_catchall_login_that_is_also_a_recipient_gets_one_copy() -> None:
    store = Store(catchall_login="all@catch.example")
    store.deliver(make("one", "ALL@catch.example", "ann@example.com"))
    assert inbox_subjects(store, "all@catch.example") == ["one"]


# -- retention, delete, clear --------------------------------------------------------


def test_max_messages_evicts_the_oldest_from_log_and_folders() -> None:
    store = Store(max_messages=2)
    changes = recorder(store)
    messages = [make(f"m{n}", "ann@example.com") for n in range(4)]
    for message in messages:
        store.deliver(message)
    assert store.messages == messages[2:]
    assert store.get(messages[0].id) is None
    assert inbox_subjects(store, "ann@example.com") == ["m2", "m3"]
    deleted = [c.messages for c in changes if c.kind == "deleted"]
    assert deleted == [(messages[0],), (messages[1],)]


def test_delete_removes_from_log_and_every_folder() -> None:
    store = Store()
    keep = make("keep", "ann@example.com", "bob@example.com")
    gone = make("gone", "ann@example.com", "bob@example.com")
    store.deliver(keep)
    store.deliver(gone)
    changes = recorder(store)
    assert store.delete([gone.id, "unknown-id"]) == [gone]
    assert store.messages == [keep]
    assert store.get(gone.id) is None
    assert inbox_subjects(store, "ann@example.com") == ["keep"]
    assert inbox_subjects(store, "bob@example.com") == ["keep"]
    assert changes == [Change("deleted", (gone,))]


def test_delete_of_nothing_changes_nothing() -> None:
    store = Store()
    store.deliver(make())
    changes = recorder(store)
    version = store.version
    assert store.delete(["unknown"]) == []
    assert store.delete([]) == []
    assert changes == []
    assert store.version == version


def test_clear_empties_log_and_accounts_but_keeps_declared_users() -> None:
    store = Store()
    store.declare_user("ann@example.com", "secret")
    store.deliver(make("one", "ann@example.com", "bob@example.com"))
    changes = recorder(store)
    store.clear()
    assert store.messages == []
    assert store.accounts == {}
    assert changes == [Change("cleared")]
    assert store.declared_users == {"ann@example.com": "secret"}
    assert store.check_login("ann@example.com", "secret")
    assert not store.check_login("ann@example.com", "wrong")
    account = store.account("ann@example.com")
    assert account is not None
    assert account.password == "secret"
    assert account.inbox.entries == []


# -- users and logins ----------------------------------------------------------------


def test_catch_all_login_accepts_any_user_and_password() -> None:
    store = Store()
    assert store.check_login("anyone@example.com", "anything")
    assert store.check_login("x", "")
    assert not store.check_login("", "password")


def test_declared_user_needs_the_password() -> None:
    store = Store()
    account = store.declare_user("Ann@Example.com", "s3cret")
    assert account.address == "ann@example.com"
    assert account.password == "s3cret"
    assert store.password_of("ANN@example.com") == "s3cret"
    assert store.check_login("ann@example.com", "s3cret")
    assert store.check_login("ANN@EXAMPLE.COM", "s3cret")
    assert not store.check_login("ann@example.com", "S3CRET")
    assert not store.check_login("ann@example.com", "")
    # Undeclared users still get in: the server is catch-all unless strict.
    assert store.check_login("bob@example.com", "whatever")


def test_strict_store_admits_only_declared_users() -> None:
    store = Store(strict=True)
    store.declare_user("ann@example.com", "pw")
    assert store.check_login("ann@example.com", "pw")
    assert not store.check_login("ann@example.com", "nope")
    assert not store.check_login("bob@example.com", "pw")


def test_declaring_an_existing_account_sets_its_password_and_keeps_mail() -> None:
    store = Store()
    store.deliver(make("kept", "ann@example.com"))
    store.declare_user("ann@example.com", "pw")
    account = store.account("ann@example.com", create=False)
    assert account is not None
    assert account.password == "pw"
    assert inbox_subjects(store, "ann@example.com") == ["kept"]


def test_non_ascii_password() -> None:
    store = Store()
    store.declare_user("ann@example.com", "pässwörd")
    assert store.check_login("ann@example.com", "pässwörd")
    assert not store.check_login("ann@example.com", "passwort")


def test_remove_user() -> None:
    store = Store(strict=True)
    store.declare_user("ann@example.com", "pw")
    changes = recorder(store)
    assert store.remove_user("ANN@example.com") is True
    assert store.declared_users == {}
    assert not store.check_login("ann@example.com", "pw")
    assert store.account("ann@example.com", create=False) is None
    assert store.remove_user("ann@example.com") is False
    assert changes == [Change("accounts")]


# -- notifications -------------------------------------------------------------------


def test_subscribers_get_each_change_in_order() -> None:
    store = Store()
    changes = recorder(store)
    first, second = make("a"), make("b")
    store.deliver(first)
    store.deliver(second)
    store.delete([first.id])
    store.declare_user("x@example.com", "pw")
    store.clear()
    assert changes == [
        Change("added", (first,)),
        Change("added", (second,)),
        Change("deleted", (first,)),
        Change("accounts"),
        Change("cleared"),
    ]


def test_version_grows_with_every_change() -> None:
    store = Store()
    versions = [store.version]
    store.deliver(make())
    versions.append(store.version)
    store.clear()
    versions.append(store.version)
    assert versions == sorted(set(versions))


def test_unsubscribe_stops_notices_and_is_idempotent() -> None:
    store = Store()
    changes: list[Change] = []
    unsubscribe = store.subscribe(changes.append)
    store.deliver(make("a"))
    unsubscribe()
    unsubscribe()
    store.deliver(make("b"))
    assert [c.messages[0].subject for c in changes] == ["a"]


def test_a_failing_subscriber_does_not_stop_delivery_or_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Store()

    def broken(change: Change) -> None:
        raise RuntimeError("subscriber bug")

    store.subscribe(broken)
    changes = recorder(store)
    message = make()
    with caplog.at_level(logging.ERROR, logger="mailtrap_py.store"):
        store.deliver(message)
    assert store.messages == [message]
    assert changes == [Change("added", (message,))]
    assert "subscriber" in caplog.text


# -- wait_for ------------------------------------------------------------------------


def test_wait_for_returns_present_messages_at_once() -> None:
    store = Store()
    wanted = make("wanted")
    store.deliver(make("other"))
    store.deliver(wanted)
    start = time.monotonic()
    assert store.wait_for(Criteria.of(subject="wanted"), timeout=LONG) == [wanted]
    assert time.monotonic() - start < LONG / 10


def test_wait_for_returns_the_first_count_in_arrival_order() -> None:
    store = Store()
    messages = [make(f"n{n}") for n in range(5)]
    for message in messages:
        store.deliver(message)
    assert store.wait_for(Criteria.of(subject="n"), timeout=LONG, count=3) == messages[:3]


def test_wait_for_wakes_when_another_thread_delivers() -> None:
    store = Store()
    scanned = threading.Event()
    store.deliver(make("noise"))
    waiter = Waiter(store, watching("noise", scanned, lambda m: m.subject == "wanted"), LONG)
    waiter.start()
    assert scanned.wait(LONG)  # the waiter has looked and found nothing yet
    wanted = make("wanted")
    threading.Thread(target=store.deliver, args=(wanted,)).start()
    assert waiter.finish() == [wanted]
    assert waiter.elapsed < LONG / 2


def test_wait_for_counts_across_several_deliveries() -> None:
    store = Store()
    scanned = threading.Event()
    store.deliver(make("start"))
    waiter = Waiter(
        store, watching("start", scanned, lambda m: m.subject.startswith("n")), LONG, count=3
    )
    waiter.start()
    assert scanned.wait(LONG)
    messages = [make(f"n{n}") for n in range(3)]
    for message in messages:
        store.deliver(message)
    assert waiter.finish() == messages
    assert waiter.elapsed < LONG / 2


def test_wait_for_returns_fewer_when_the_timeout_passes() -> None:
    store = Store()
    one = make("match")
    store.deliver(one)
    start = time.monotonic()
    assert store.wait_for(Criteria.of(subject="match"), timeout=0.2, count=2) == [one]
    assert time.monotonic() - start >= 0.2
    assert store.wait_for(Criteria.of(subject="absent"), timeout=0) == []


def test_wait_for_sees_a_message_made_earlier_but_delivered_later() -> None:
    # Two threads each build a Message then deliver it; the one built first may be
    # delivered second. The waiter must not skip it.
    store = Store()
    scanned = threading.Event()
    built_first = make("wanted")
    built_second = make("noise")
    waiter = Waiter(store, watching("noise", scanned, lambda m: m.subject == "wanted"), LONG)
    waiter.start()
    store.deliver(built_second)
    assert scanned.wait(LONG)
    store.deliver(built_first)
    assert waiter.finish() == [built_first]
    assert waiter.elapsed < LONG / 2


@pytest.mark.parametrize("removal", ["delete", "clear"])
def test_wait_for_rescans_after_messages_leave(removal: str) -> None:
    store = Store()
    scanned = threading.Event()
    old = make("match old")
    store.deliver(old)
    waiter = Waiter(store, watching("match old", scanned, lambda m: "match" in m.subject), LONG, 2)
    waiter.start()
    assert scanned.wait(LONG)  # the waiter has counted `old`
    if removal == "delete":
        store.delete([old.id])
    else:
        store.clear()
    fresh = [make("match 1"), make("match 2")]
    for message in fresh:
        store.deliver(message)
    # `old` is gone: it must not be returned, and the two new ones complete the count.
    assert waiter.finish() == fresh
    assert waiter.elapsed < LONG / 2


def test_wait_for_with_evictions_returns_only_messages_still_stored() -> None:
    store = Store(max_messages=1)
    store.deliver(make("match a"))
    store.deliver(make("match b"))
    found = store.wait_for(Criteria.of(subject="match"), timeout=0, count=2)
    assert [m.subject for m in found] == ["match b"]


# -- wait_for_async ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_wait_for_async_returns_present_messages_at_once() -> None:
    store = Store()
    wanted = make("wanted")
    store.deliver(wanted)
    found = await asyncio.wait_for(store.wait_for_async(Criteria.of(subject="want"), LONG), LONG)
    assert found == [wanted]


@pytest.mark.asyncio
async def test_wait_for_async_wakes_on_delivery_from_another_thread() -> None:
    store = Store()
    scanned = threading.Event()
    store.deliver(make("noise"))
    criteria = watching("noise", scanned, lambda m: m.subject == "wanted")
    wanted = make("wanted")

    def deliver_after_the_waiter_looked() -> None:
        if scanned.wait(LONG):
            store.deliver(wanted)

    loop = asyncio.get_running_loop()
    start = loop.time()
    task = asyncio.ensure_future(store.wait_for_async(criteria, LONG))
    thread = threading.Thread(target=deliver_after_the_waiter_looked)
    thread.start()
    found = await asyncio.wait_for(task, LONG + 5)
    thread.join(LONG)
    assert found == [wanted]
    assert loop.time() - start < LONG / 2


@pytest.mark.asyncio
async def test_wait_for_async_times_out_with_fewer_and_unsubscribes() -> None:
    store = Store()
    one = make("match")
    store.deliver(one)
    changes = recorder(store)
    loop = asyncio.get_running_loop()
    start = loop.time()
    found = await store.wait_for_async(Criteria.of(subject="match"), timeout=0.2, count=2)
    assert found == [one]
    assert loop.time() - start >= 0.2
    # Only our recorder is left subscribed: the waiter cleaned up after itself.
    store.deliver(make("later"))
    assert len(changes) == 1
    assert store._subscribers == [changes.append]


def test_expunge_removes_from_one_folder_only_and_says_whose():
    store = Store()
    first, second = make("a", "ann@example.com", "bob@example.com"), make("b")
    store.deliver(first)
    store.deliver(second)
    ann = store.account("ann@example.com")
    assert ann is not None
    folder = ann.inbox
    modseq = folder.highest_modseq
    changes = recorder(store)
    gone = store.expunge(ann, folder, [folder.entries[0].uid, 999])
    assert [e.message for e in gone] == [first]
    assert inbox_subjects(store, "ann@example.com") == ["b"]
    assert inbox_subjects(store, "bob@example.com") == ["a"]  # bob's copy stays
    assert store.messages == [first, second]  # and so does the capture log
    assert folder.highest_modseq > modseq
    assert changes == [Change("expunged", (first,), account="ann@example.com", folder=INBOX)]
    # Nothing left to remove: no change published.
    assert store.expunge(ann, folder, [999]) == []
    assert len(changes) == 1


def test_expunge_ignores_a_folder_the_store_no_longer_has():
    store = Store()
    store.deliver(make("old"))
    ann = store.account("ann@example.com")
    assert ann is not None
    stale = ann.inbox
    store.clear()
    store.deliver(make("new"))  # UID 1 again, in a new folder
    assert store.expunge(ann, stale, [1]) == []
    assert inbox_subjects(store, "ann@example.com") == ["new"]


def test_search_answers_like_filter_for_column_terms_and_the_rest() -> None:
    # Store.search answers subject:/from:/to: from folded columns; it must agree
    # with the plain filter for every kind of term, negation, and later arrivals.
    from mailtrap_py.query import Criteria

    store = Store()

    def deliver(i: int) -> None:
        raw = (
            f"From: Sender {i % 3} <s{i % 3}@example.com>\r\nTo: Ann <ann{i % 4}@example.com>\r\n"
            f"Subject: {'Welcome' if i % 2 else 'Invoice'} {i}\r\n\r\nbody {i}\r\n"
        ).encode()
        store.deliver(
            Message(raw, sender=f"env{i % 5}@example.com", recipients=[f"r{i % 6}@example.com"])
        )

    for i in range(40):
        deliver(i)
    queries = [
        "subject:welcome",
        "-subject:welcome",
        "to:ann1",
        "to:r5@",
        "from:sender 2",
        "from:env3",
        "subject:invoice to:ann2",
        "-to:ann1 from:s0",
        "body:7",
    ]
    for query in queries:
        criteria = Criteria.parse(query)
        assert store.search(criteria) == criteria.filter(store.messages), query
    for i in range(40, 50):  # the columns grow with new mail
        deliver(i)
    store.delete([store.messages[0].id])  # and start again after a removal
    for query in queries:
        criteria = Criteria.parse(query)
        assert store.search(criteria) == criteria.filter(store.messages), query


@pytest.mark.asyncio
async def test_search_async_gives_search_answers_and_lets_the_loop_run() -> None:
    store = Store()
    for n in range(10_000):
        subject = "Invoice" if n % 1000 == 0 else f"note {n}"
        raw = f"From: a{n % 7}@example.com\r\nTo: b@example.com\r\nSubject: {subject}\r\n\r\nx\r\n"
        store.deliver(Message(raw.encode(), recipients=["b@example.com"]))
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        for query in ("subject:invoice", "from:a3 subject:note", "-subject:note", "body:x"):
            criteria = Criteria.parse(query)
            assert await store.search_async(criteria) == store.search(criteria), query
    finally:
        stop.set()
        await task
    # 10,000 messages are many slices: the loop ran between them.
    assert ticks >= 10
    assert len(await store.search_async(Criteria.parse("subject:invoice"))) == 10
