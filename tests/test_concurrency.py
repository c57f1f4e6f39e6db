"""Many clients at once: every message captured exactly once, UIDs stay unique."""

from __future__ import annotations

import smtplib
import threading
from collections import Counter

THREADS = 16
PER_THREAD = 100


def test_16_threads_x_100_messages(mailtrap):
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def sender(index: int) -> None:
        try:
            start.wait(timeout=30)
            # Half the threads keep one connection, half reconnect every 10 messages,
            # so connection set-up and teardown race with deliveries too.
            batches = (
                [range(PER_THREAD)]
                if index % 2
                else [range(i, i + 10) for i in range(0, PER_THREAD, 10)]
            )
            for batch in batches:
                with smtplib.SMTP("127.0.0.1", mailtrap.smtp_port, timeout=30) as client:
                    for n in batch:
                        raw = (
                            f"Subject: t{index}-{n}\r\nMessage-ID: <{index}.{n}@test>\r\n\r\n"
                            f"body {index} {n}\r\n"
                        ).encode()
                        client.sendmail("load@example.com", [f"user{index % 4}@example.com"], raw)
        except BaseException as error:  # surfaced below with the thread's index
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    assert not any(t.is_alive() for t in threads)

    messages = mailtrap.wait_for_messages(THREADS * PER_THREAD, timeout=10)
    subjects = Counter(m.subject for m in mailtrap.messages)
    assert len(subjects) == THREADS * PER_THREAD
    assert set(subjects.values()) == {1}, "a message was captured twice"
    assert len({m.id for m in messages}) == THREADS * PER_THREAD

    # Each recipient's INBOX holds its share with unique, increasing UIDs.
    for index in range(4):
        account = mailtrap.store.account(f"user{index}@example.com", create=False)
        assert account is not None
        uids = [entry.uid for entry in account.inbox.entries]
        assert len(uids) == THREADS // 4 * PER_THREAD
        assert uids == sorted(set(uids))
        assert account.inbox.uidnext == uids[-1] + 1


def test_waiters_in_many_threads_each_get_their_message(mailtrap):
    results: dict[int, str] = {}
    ready = threading.Barrier(9)

    def waiter(index: int) -> None:
        ready.wait(timeout=10)
        results[index] = mailtrap.wait_for(to=f"w{index}@example.com", timeout=10).subject

    threads = [threading.Thread(target=waiter, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=10)
    with smtplib.SMTP("127.0.0.1", mailtrap.smtp_port) as client:
        for index in reversed(range(8)):
            client.sendmail(
                "a@example.com", [f"w{index}@example.com"], f"Subject: s{index}\r\n\r\n."
            )
    for thread in threads:
        thread.join(timeout=15)
    assert results == {i: f"s{i}" for i in range(8)}
