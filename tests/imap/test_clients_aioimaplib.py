"""The IMAP server through aioimaplib, the asyncio client (for apps already in a loop).

aioimaplib hands back each response as a result and its lines (untagged data,
literals as bytearrays, then the tagged text), so these tests read those lines as
an async app would. The server runs in its own thread (the `mailtrap` fixture);
mail goes in over SMTP from a worker thread (smtplib blocks), see conftest.py.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta, timezone

import aioimaplib
import pytest
import pytest_asyncio

from .conftest import (
    FOLDERS,
    INVOICE,
    NEWSLETTER,
    PASSWORD,
    REPORT,
    TIMEOUT,
    USER,
    plain,
)

pytestmark = pytest.mark.asyncio

# -- helpers -----------------------------------------------------------------------


async def start_tls(client: aioimaplib.IMAP4, context: ssl.SSLContext, host: str) -> None:
    """STARTTLS (RFC 3501 6.2.1). aioimaplib has no method for it, so: the command,
    then the loop's start_tls on the same transport, then CAPABILITY again."""
    protocol = client.protocol
    response = await protocol.execute(aioimaplib.Command("STARTTLS", protocol.new_tag()))
    assert response.result == "OK", response
    loop = asyncio.get_running_loop()
    protocol.transport = await loop.start_tls(
        protocol.transport, protocol, context, server_hostname=host
    )
    await protocol.capability()


@asynccontextmanager
async def connect(
    mailtrap,
    *,
    tls: bool = False,
    starttls: bool = False,
    login: bool = True,
    select: str | None = "INBOX",
) -> AsyncIterator[aioimaplib.IMAP4]:
    """An aioimaplib client logged in as ann with INBOX selected; `tls` for IMAPS,
    `starttls` to upgrade the plain port. Closed (and the close awaited) after."""
    loop = asyncio.get_running_loop()
    lost = loop.create_future()
    if tls:
        client = aioimaplib.IMAP4_SSL(
            mailtrap.host,
            mailtrap.imaps_port,
            timeout=TIMEOUT,
            ssl_context=mailtrap.client_ssl_context(),
        )
    else:
        client = aioimaplib.IMAP4(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT)
    client.protocol.conn_lost_cb = lambda exc: lost.done() or lost.set_result(exc)
    client.connection_lost = lost  # the tests may await it too
    try:
        await client.wait_hello_from_server()
        if starttls:
            await start_tls(client, mailtrap.client_ssl_context(), mailtrap.host)
        if login:
            assert (await client.login(USER, PASSWORD)).result == "OK"
            if select:
                assert (await client.select(select)).result == "OK"
        yield client
    finally:
        if client.protocol.transport is not None:
            if not lost.done():
                with suppress(aioimaplib.AioImapException, asyncio.TimeoutError, OSError):
                    await client.logout()
                if not lost.done():
                    client.protocol.transport.close()
            await asyncio.wait_for(lost, TIMEOUT)


@pytest_asyncio.fixture
async def imap(mailtrap, mailbox) -> AsyncIterator[aioimaplib.IMAP4]:
    """Ann, logged in over the plain port, INBOX (the three samples) selected."""
    async with connect(mailtrap) as client:
        yield client


async def deliver(mailbox, raw: bytes) -> None:
    """SMTP delivery off the loop: smtplib blocks."""
    await asyncio.to_thread(mailbox.deliver, raw)


def ok(response) -> list:
    assert response.result == "OK", response
    return response.lines


def numbers(response) -> list[int]:
    """A SEARCH answer: its first line, the numbers."""
    return [int(n) for n in ok(response)[0].split()]


def literals(response) -> list[bytes]:
    """The literals of a FETCH answer, in order (aioimaplib gives them as bytearrays)."""
    return [bytes(line) for line in ok(response) if isinstance(line, bytearray)]


def code(line: bytes, name: str) -> list[str]:
    found = re.search(rb"\[" + name.encode() + rb" ([^\]]*)\]", line)
    assert found, f"no [{name} ...] in {line!r}"
    return found.group(1).decode().split()


# -- connecting and logging in -----------------------------------------------------


async def test_greeting_capabilities_then_login(mailtrap):
    async with connect(mailtrap, login=False) as client:
        assert client.has_capability("IMAP4rev1") and client.has_capability("IDLE")
        assert client.get_state() == "NONAUTH"

        response = await client.login(USER, PASSWORD)

        assert response.result == "OK"
        assert client.get_state() == "AUTH"
        assert {"UIDPLUS", "MOVE", "CONDSTORE"} <= set(code(response.lines[0], "CAPABILITY"))


async def test_starttls_with_certificate_verification(mailtrap, mailbox):
    async with connect(mailtrap, starttls=True) as client:
        assert client.protocol.transport.get_extra_info("ssl_object") is not None
        assert not client.has_capability("STARTTLS")

        assert literals(await client.fetch("2", "(BODY.PEEK[])")) == [REPORT.raw]


async def test_imaps_with_certificate_verification(mailtrap, mailbox):
    async with connect(mailtrap, tls=True) as client:
        assert client.protocol.transport.get_extra_info("peercert")["subject"]
        assert numbers(await client.search("ALL")) == [1, 2, 3]


async def test_imaps_refuses_a_client_that_does_not_trust_the_certificate(mailtrap):
    client = aioimaplib.IMAP4_SSL(
        mailtrap.host,
        mailtrap.imaps_port,
        timeout=TIMEOUT,
        ssl_context=ssl.create_default_context(),
    )
    with pytest.raises(ssl.SSLCertVerificationError):
        await client.wait_hello_from_server()


# -- folders -----------------------------------------------------------------------


async def test_list_with_special_use(imap):
    lines = ok(await imap.list('""', "*"))[:-1]

    folders = {}
    for line in lines:
        flags, separator, name = re.match(rb'\(([^)]*)\) "(.)" (.+)', line).groups()
        assert separator == b"/"
        folders[name.strip(b'"').decode()] = flags.decode().split()
    assert set(folders) == set(FOLDERS)
    for name, special in FOLDERS.items():
        assert (
            (special in folders[name])
            if special
            else not set(folders[name]) & set(FOLDERS.values())
        )


async def test_list_special_use_only(imap):
    response = await imap.protocol.execute(
        aioimaplib.Command("LIST", imap.protocol.new_tag(), "(SPECIAL-USE)", '""', "*")
    )

    names = {line.rsplit(b" ", 1)[1].strip(b'"').decode() for line in ok(response)[:-1]}
    assert names == {name for name, special in FOLDERS.items() if special}


async def test_select_answers_exists_uidnext_and_read_write(imap):
    lines = ok(await imap.select("INBOX"))

    assert b"3 EXISTS" in lines
    assert any(b"[UIDNEXT 4]" in line for line in lines)
    assert lines[-1].startswith(b"[READ-WRITE]")


async def test_examine_is_read_only(imap):
    lines = ok(await imap.examine("INBOX"))

    assert lines[-1].startswith(b"[READ-ONLY]")


async def test_status(imap):
    (line, _) = ok(await imap.status("INBOX", "(MESSAGES UNSEEN UIDNEXT)"))

    items = re.fullmatch(rb'"?INBOX"? \((.*)\)', line).group(1).split()
    assert dict(zip(items[::2], items[1::2], strict=True)) == {
        b"MESSAGES": b"3",
        b"UNSEEN": b"3",
        b"UIDNEXT": b"4",
    }


# -- search ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (("SUBJECT", "Invoice"), [1]),
        (("FROM", "joerg"), [2]),
        (("UNSEEN",), [1, 2, 3]),
        (("HEADER", "List-Id", "weekly"), [3]),
        (("TEXT", "unsubscribe"), [3]),
        (("OR", "SUBJECT", "Invoice", "SUBJECT", "digest"), [1, 3]),
        (("NOT", "OR", "SUBJECT", "Invoice", "SUBJECT", "digest"), [2]),
        (("(FROM", "joerg", "CC", "carl)"), [2]),  # a parenthesised AND group
    ],
)
async def test_search(imap, criteria, expected):
    assert numbers(await imap.search(*criteria)) == expected


async def test_uid_search_by_range(imap):
    assert numbers(await imap.uid_search("UID", "1:2")) == [1, 2]
    assert numbers(await imap.uid_search("UID", "3:*", "NOT", "SEEN")) == [3]


async def test_search_an_8bit_utf8_quoted_string(imap):
    # aioimaplib sends the UTF-8 bytes in a quoted string (no literal); Dovecot
    # accepts that with CHARSET UTF-8 and searches the decoded subject.
    assert numbers(await imap.search("SUBJECT", '"Köln"', charset="UTF-8")) == [2]


# -- fetch -------------------------------------------------------------------------


async def test_fetch_full_messages_byte_identical(imap, mailbox):
    response = await imap.fetch("1:3", "(UID BODY.PEEK[])")

    assert literals(response) == [INVOICE.raw, REPORT.raw, NEWSLETTER.raw]
    assert literals(response) == [mailbox.raw(uid) for uid in (1, 2, 3)]


async def test_fetch_header_fields_not(imap):
    response = await imap.fetch("3", "(BODY.PEEK[HEADER.FIELDS.NOT (DATE MESSAGE-ID LIST-ID TO)])")

    assert literals(response) == [b"From: news@lists.example.org\r\nSubject: Weekly digest\r\n\r\n"]


async def test_fetch_partial(imap):
    response = await imap.uid("fetch", "2", "(BODY.PEEK[]<0.10>)")

    assert b"BODY[]<0> {10}" in ok(response)[0]
    assert literals(response) == [REPORT.raw[:10]]


async def test_fetch_partial_past_the_end_is_empty(imap):
    response = await imap.fetch("1", f"(BODY.PEEK[]<{len(INVOICE.raw) + 10}.10>)")

    lines = ok(response)
    assert re.search(rb'BODY\[\]<\d+> ("")', lines[0]) or literals(response) == [b""]


async def test_fetch_bodystructure_names_the_parts(imap):
    (line, _) = ok(await imap.fetch("2", "(BODYSTRUCTURE)"))

    assert line.startswith(b"2 FETCH (BODYSTRUCTURE ((")  # a multipart in a multipart
    assert b'"text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable"' in line
    assert b'"text" "html"' in line
    assert b'"alternative"' in line
    assert b'"application" "pdf" ("name" "report.pdf") NIL NIL "base64" 8' in line
    assert b'("attachment" ("filename" "report.pdf"))' in line
    assert b'"mixed"' in line


async def test_fetch_envelope(imap):
    (line, _) = ok(await imap.fetch("1", "(ENVELOPE)"))

    assert line == (
        b'1 FETCH (ENVELOPE ("Mon, 06 Jan 2025 09:30:00 +0100" "Invoice 1001" '
        b'(("Billing" NIL "billing" "shop.example")) '
        b'(("Billing" NIL "billing" "shop.example")) '
        b'(("Billing" NIL "billing" "shop.example")) '
        b'(("Ann" NIL "ann" "example.com")) '
        b'NIL NIL NIL "<invoice-1001@shop.example>"))'
    )


# -- flags -------------------------------------------------------------------------


async def test_body_fetch_sets_seen_and_reports_it(imap, mailbox):
    peek = ok(await imap.fetch("3", "(BODY.PEEK[TEXT])"))
    assert b"\\Seen" not in peek[0]

    read = ok(await imap.fetch("3", "(BODY[TEXT])"))

    # the FLAGS change is reported unasked (RFC 3501 6.4.5)
    assert any(b"FLAGS (\\Seen" in line for line in read if isinstance(line, bytes))
    assert "\\Seen" in mailbox.flags(3)


async def test_store_plus_and_minus_flags(imap, mailbox):
    (added, _) = ok(await imap.store("1", "+FLAGS", "(\\Answered \\Flagged)"))
    assert {b"\\Answered", b"\\Flagged"} <= set(re.search(rb"FLAGS \(([^)]*)\)", added)[1].split())

    (removed, _) = ok(await imap.uid("store", "1", "-FLAGS", "(\\Answered)"))

    assert b"UID 1" in removed and b"\\Answered" not in removed
    assert mailbox.flags(1) == {"\\Flagged"}


# -- copy, move, append ------------------------------------------------------------


async def test_uid_copy_answers_copyuid(imap, mailbox):
    (text,) = ok(await imap.uid("copy", "1:3", "Archive"))

    _, source, target = code(text, "COPYUID")
    assert (source, target) == ("1:3", "1:3")
    assert [e.message.raw for e in mailbox.stored("Archive")] == [
        INVOICE.raw,
        REPORT.raw,
        NEWSLETTER.raw,
    ]


async def test_uid_move_answers_copyuid_then_expunge(imap, mailbox):
    lines = ok(await imap.uid("move", "1,3", "Archive"))

    assert code(lines[0], "COPYUID")[1:] == ["1,3", "1:2"]
    expunged = [int(line.split()[0]) for line in lines if line.endswith(b"EXPUNGE")]
    assert expunged in ([3, 1], [1, 2])  # both orders keep the numbers right
    assert mailbox.uids("INBOX") == [2]
    assert mailbox.uids("Archive") == [1, 2]


async def test_append_answers_appenduid(imap, mailbox):
    message = plain("Appended from asyncio")
    sent_at = datetime(2023, 7, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=-7)))

    (text,) = ok(
        await imap.append(message, mailbox="Sent", flags="(\\Seen \\Answered)", date=sent_at)
    )

    uidvalidity, uid = code(text, "APPENDUID")
    (entry,) = mailbox.stored("Sent")
    assert entry.uid == int(uid) and entry.message.raw == message
    assert set(entry.flags) == {"\\Seen", "\\Answered"}
    assert entry.internal_date == sent_at
    (status, _) = ok(await imap.status("Sent", "(UIDVALIDITY MESSAGES)"))
    assert f"UIDVALIDITY {uidvalidity}".encode() in status and b"MESSAGES 1" in status


async def test_append_with_literal_plus_in_one_write(imap, mailbox):
    # LITERAL+ (RFC 7888): the client sends {n+} and the data without waiting for "+".
    message = plain("Literal plus")
    tag = imap.protocol.new_tag()
    command = aioimaplib.Command("APPEND", tag, "Drafts", f"{{{len(message)}+}}")
    imap.protocol.literal_data = None
    imap.protocol.pending_sync_command = command
    imap.protocol.transport.write(
        f"{tag} APPEND Drafts {{{len(message)}+}}\r\n".encode() + message + b"\r\n"
    )
    await asyncio.wait_for(command.wait(), TIMEOUT)

    assert command.response.result == "OK", command.response
    assert [e.message.raw for e in mailbox.stored("Drafts")] == [message]


# -- expunge -----------------------------------------------------------------------


async def test_expunge_answers_the_removed_numbers(imap, mailbox):
    await imap.store("1,3", "+FLAGS", "(\\Deleted)")

    lines = ok(await imap.expunge())

    expunged = [int(line.split()[0]) for line in lines if line.endswith(b"EXPUNGE")]
    assert expunged in ([3, 1], [1, 2])
    assert mailbox.uids() == [2]


async def test_uid_expunge(imap, mailbox):
    await imap.store("1:3", "+FLAGS", "(\\Deleted)")

    lines = ok(await imap.uid("expunge", "1"))

    assert b"1 EXPUNGE" in lines
    assert mailbox.uids() == [2, 3]


# -- idle --------------------------------------------------------------------------


async def test_idle_push_on_new_mail(imap, mailbox):
    idle = await imap.idle_start(timeout=TIMEOUT)
    try:
        await deliver(mailbox, plain("Async hello"))
        pushed: list[bytes] = []
        while b"4 EXISTS" not in pushed:
            pushed += await imap.wait_server_push(timeout=TIMEOUT)
    finally:
        imap.idle_done()
        await asyncio.wait_for(idle, TIMEOUT)

    assert idle.result().result == "OK"
    assert literals(await imap.fetch("4", "(BODY.PEEK[])")) == [mailbox.raw(4)]


async def test_idle_push_on_expunge_by_another_session(mailtrap, mailbox):
    async with connect(mailtrap) as watcher, connect(mailtrap) as other:
        idle = await watcher.idle_start(timeout=TIMEOUT)
        try:
            await other.store("2", "+FLAGS", "(\\Deleted)")
            await other.expunge()
            pushed: list[bytes] = []
            while b"2 EXPUNGE" not in pushed:
                pushed += await watcher.wait_server_push(timeout=TIMEOUT)
        finally:
            watcher.idle_done()
            await asyncio.wait_for(idle, TIMEOUT)

        assert numbers(await watcher.uid_search("ALL")) == [1, 3]


# -- CONDSTORE ---------------------------------------------------------------------


async def test_condstore_modseq_grows_with_changes(mailtrap, mailbox):
    async with connect(mailtrap, select=None) as client:
        assert ok(await client.enable("CONDSTORE"))[0] == b"ENABLED CONDSTORE"
        lines = ok(await client.select("INBOX"))
        (highest,) = [
            int(code(line, "HIGHESTMODSEQ")[0]) for line in lines if b"HIGHESTMODSEQ" in line
        ]

        (stored, _) = ok(await client.store("1", "+FLAGS", "(\\Flagged)"))

        modseq = int(re.search(rb"MODSEQ \((\d+)\)", stored)[1])
        assert modseq > highest
        changed = ok(await client.fetch("1:*", f"(FLAGS) (CHANGEDSINCE {highest})"))
        assert [line.split()[0] for line in changed[:-1]] == [b"1"]


# -- two sessions ------------------------------------------------------------------


async def test_noop_brings_another_sessions_changes(mailtrap, mailbox):
    async with connect(mailtrap) as first, connect(mailtrap) as second:
        await second.store("3", "+FLAGS", "(\\Seen)")
        await second.store("1", "+FLAGS", "(\\Deleted)")
        await second.expunge()

        lines = ok(await first.noop())

        assert b"1 EXPUNGE" in lines
        flag_updates = [line for line in lines if b"FETCH" in line]
        assert flag_updates and all(
            b"\\Seen" in line or b"\\Deleted" in line for line in flag_updates
        )
        assert numbers(await first.search("SEEN")) == [2]  # was 3, renumbered


# -- logout ------------------------------------------------------------------------


async def test_logout_says_bye_then_the_server_closes(mailtrap):
    async with connect(mailtrap, select=None) as client:
        response = await client.logout()

        assert response.result == "OK"
        assert response.lines[0].startswith(b"BYE")
        # and the server closes the connection, cleanly
        assert await asyncio.wait_for(client.connection_lost, TIMEOUT) is None
