"""The IMAP server through IMAPClient, the client that parses what imaplib leaves raw.

IMAPClient turns BODYSTRUCTURE, ENVELOPE, flags and unsolicited responses into
Python values, so these tests check the structure a mail program reads, and the
extensions it drives (CONDSTORE, IDLE, UIDPLUS, MOVE). It addresses messages by
UID, as most programs do. Mail goes in over SMTP (see conftest.py).
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.response_types import Address

from .conftest import (
    FOLDERS,
    INVOICE,
    NEWSLETTER,
    PASSWORD,
    REPORT,
    REPORT_SUBJECT,
    TIMEOUT,
    USER,
    plain,
)

# -- helpers -----------------------------------------------------------------------


@contextmanager
def connect(
    mailtrap, *, tls: bool = False, login: bool = True, select: str | None = "INBOX"
) -> Iterator[IMAPClient]:
    """An IMAPClient logged in as ann with INBOX selected; `tls` for the IMAPS port."""
    client = IMAPClient(
        mailtrap.host,
        port=mailtrap.imaps_port if tls else mailtrap.imap_port,
        ssl=tls,
        ssl_context=mailtrap.client_ssl_context() if tls else None,
        timeout=TIMEOUT,
    )
    client.normalise_times = False  # INTERNALDATE as the server said it, with its zone
    try:
        if login:
            client.login(USER, PASSWORD)
            if select:
                client.select_folder(select)
        yield client
    finally:
        try:
            client.logout()  # closes the socket too, if the server answers
        except (IMAPClientError, OSError):
            with contextlib.suppress(OSError):  # EBADF if already shut down
                client.shutdown()


@pytest.fixture
def imap(mailtrap, mailbox) -> Iterator[IMAPClient]:
    """Ann, logged in over the plain port, INBOX (the three samples) selected."""
    with connect(mailtrap) as client:
        yield client


def select_condstore(client: IMAPClient, folder: str) -> dict:
    """SELECT folder (CONDSTORE) (RFC 7162 3.1.8); IMAPClient has no argument for it."""
    typ, data = client._imap._simple_command("SELECT", folder, "(CONDSTORE)")
    assert typ == "OK", data
    client._imap.state = "SELECTED"
    return client._process_select_response(client._imap.untagged_responses)


def after_expunges(numbers: list[int], responses: list) -> list[int]:
    """What a client's view (message numbers to UIDs) is after these EXPUNGEs."""
    view = list(numbers)
    for number, kind, *_ in responses:
        if kind == b"EXPUNGE":
            del view[number - 1]
    return view


# -- connecting and logging in -----------------------------------------------------


def test_capabilities_grow_after_login(mailtrap):
    with connect(mailtrap, login=False) as client:
        before = set(client.capabilities())
        assert {b"IMAP4REV1", b"STARTTLS", b"IDLE", b"AUTH=PLAIN"} <= before

        client.login(USER, PASSWORD)

        after = set(client.capabilities())
        assert {b"UIDPLUS", b"MOVE", b"CONDSTORE", b"SPECIAL-USE", b"UNSELECT"} <= after


def test_plain_login_via_sasl(mailtrap, mailbox):
    with connect(mailtrap, login=False) as client:
        client.plain_login(USER, PASSWORD)

        assert client.select_folder("INBOX")[b"EXISTS"] == 3


def test_starttls_with_certificate_verification(mailtrap, mailbox):
    with connect(mailtrap, login=False) as client:
        client.starttls(mailtrap.client_ssl_context())

        assert isinstance(client.socket(), ssl.SSLSocket)
        client.login(USER, PASSWORD)
        client.select_folder("INBOX")
        assert client.fetch([2], ["BODY.PEEK[]"])[2][b"BODY[]"] == REPORT.raw


def test_imaps_with_certificate_verification(mailtrap, mailbox):
    with connect(mailtrap, tls=True) as client:
        assert isinstance(client.socket(), ssl.SSLSocket)
        assert client.search() == [1, 2, 3]


@pytest.mark.mailtrap(users={USER: "secret"})
def test_a_declared_user_needs_the_right_password(mailtrap):
    with connect(mailtrap, login=False) as client:
        with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
            client.login(USER, "wrong")

        client.login(USER, "secret")  # the same connection may try again

        assert client.select_folder("INBOX")[b"EXISTS"] == 0


def test_id_names_the_server(imap):
    info = imap.id_({"name": "IMAPClient tests"})

    (fields,) = info  # one parameter list (name, value, ...), not NIL
    assert dict(zip(fields[::2], fields[1::2], strict=True))[b"name"] == b"mailtrap-py"


# -- folders -----------------------------------------------------------------------


def test_list_folders_with_special_use(imap):
    folders = {name: set(flags) for flags, separator, name in imap.list_folders()}

    assert set(folders) == set(FOLDERS)
    assert {separator for _, separator, _ in imap.list_folders()} == {b"/"}
    for name, special in FOLDERS.items():
        if special:
            assert special.encode() in folders[name]


@pytest.mark.parametrize("special", [f for f in FOLDERS.values() if f])
def test_find_special_folder(imap, special):
    assert imap.find_special_folder(special.encode()) == special.lstrip("\\")


def test_select_folder_reports_the_mailbox(imap):
    info = imap.select_folder("INBOX")

    assert info[b"EXISTS"] == 3
    assert info[b"UIDNEXT"] == 4
    assert info[b"UIDVALIDITY"] > 0
    assert info[b"READ-WRITE"] is True
    assert b"\\Seen" in info[b"FLAGS"]
    assert b"\\*" in info[b"PERMANENTFLAGS"]


def test_readonly_select(imap):
    info = imap.select_folder("INBOX", readonly=True)

    assert b"READ-ONLY" in info and b"READ-WRITE" not in info
    imap.fetch([1], ["BODY[]"])
    assert imap.get_flags([1])[1] == ()  # EXAMINE: reading sets no \Seen (RFC 3501 6.3.2)


def test_folder_status(imap):
    status = imap.folder_status("INBOX", ["MESSAGES", "UNSEEN", "UIDNEXT", "UIDVALIDITY"])

    assert (status[b"MESSAGES"], status[b"UNSEEN"], status[b"UIDNEXT"]) == (3, 3, 4)


def test_create_rename_and_delete_a_folder(imap):
    imap.create_folder("Projects/2025")
    assert imap.folder_exists("Projects/2025")
    assert b"\\HasChildren" in {
        flag for flags, _, name in imap.list_folders() if name == "Projects" for flag in flags
    }

    imap.rename_folder("Projects/2025", "Projects/Done")
    imap.delete_folder("Projects/Done")

    assert not imap.folder_exists("Projects/Done")
    assert imap.folder_exists("Projects")


def test_folder_names_with_spaces_and_umlauts_round_trip(imap, mailbox):
    # IMAPClient encodes names in modified UTF-7 (RFC 3501 5.1.3) and decodes LIST.
    imap.create_folder("Entwürfe")
    imap.create_folder("Old Mail")

    names = {name for _, _, name in imap.list_folders()}

    assert {"Entwürfe", "Old Mail"} <= names
    imap.copy([1], "Entwürfe")
    assert imap.select_folder("Entwürfe")[b"EXISTS"] == 1


def test_renaming_inbox_keeps_the_session(imap, mailbox):
    # RFC 3501 6.3.5: renaming INBOX moves its messages to the new name and leaves
    # INBOX empty (a server may also refuse it, as Dovecot does). Either way the
    # session that asked goes on.
    try:
        imap.rename_folder("INBOX", "Old")
        renamed = True
    except IMAPClientAbortError as error:  # BYE, or the connection dropped
        pytest.fail(f"RENAME INBOX ended the session: {error}")
    except IMAPClientError:  # a NO: refused
        renamed = False

    imap.noop()
    if renamed:
        assert mailbox.uids("Old") == [1, 2, 3]
        assert imap.select_folder("INBOX")[b"EXISTS"] == 0
    else:
        assert imap.select_folder("INBOX")[b"EXISTS"] == 3


# -- search ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (["SUBJECT", "Invoice"], [1]),
        (["FROM", "joerg@example.de"], [2]),
        (["UNSEEN"], [1, 2, 3]),
        (["UID", "2:*"], [2, 3]),
        (["HEADER", "List-Id", "weekly"], [3]),
        (["TEXT", "unsubscribe"], [3]),
        (["OR", "FROM", "billing", "SUBJECT", "digest"], [1, 3]),
        (["NOT", "SUBJECT", "Invoice"], [2, 3]),
        (["SINCE", datetime(2000, 1, 1).date()], [1, 2, 3]),  # internal date: today
        (["ON", datetime(2025, 1, 7).date()], []),
        (["SENTON", datetime(2025, 1, 7).date()], [2]),
    ],
)
def test_search(imap, criteria, expected):
    assert imap.search(criteria) == expected


def test_search_utf8_subject_and_body(imap):
    assert imap.search(["SUBJECT", "Grüße"], charset="UTF-8") == [2]
    # The body is quoted-printable; search sees the decoded text (as Dovecot does)
    assert imap.search(["BODY", "angehängt"], charset="UTF-8") == [2]


# -- fetch -------------------------------------------------------------------------


def test_fetch_full_body_is_the_stored_message(imap, mailbox):
    result = imap.fetch([1, 2, 3], ["BODY.PEEK[]", "RFC822.SIZE"])

    for uid, sent in zip((1, 2, 3), (INVOICE, REPORT, NEWSLETTER), strict=True):
        assert result[uid][b"BODY[]"] == sent.raw == mailbox.raw(uid)
        assert result[uid][b"RFC822.SIZE"] == len(sent.raw)


def test_fetch_header_only(imap):
    result = imap.fetch([2], ["BODY.PEEK[HEADER]"])

    assert result[2][b"BODY[HEADER]"] == REPORT.header


def test_fetch_partial_body(imap):
    result = imap.fetch([3], ["BODY.PEEK[]<0.10>"])

    assert result[3][b"BODY[]<0>"] == NEWSLETTER.raw[:10]


def test_bodystructure_of_the_multipart_message(imap):
    structure = imap.fetch([2], ["BODYSTRUCTURE"])[2][b"BODYSTRUCTURE"]

    assert structure.is_multipart
    parts, subtype = structure[0], structure[1]
    assert subtype == b"mixed"
    alternative, attachment = parts
    assert alternative.is_multipart and alternative[1] == b"alternative"
    text, html = alternative[0]
    assert text[:6] == (b"text", b"plain", (b"charset", b"utf-8"), None, None, b"quoted-printable")
    assert text[6] == len(b"Der Bericht aus K=C3=B6ln ist angeh=C3=A4ngt.")  # octets
    assert html[:2] == (b"text", b"html")
    assert attachment[:6] == (
        b"application",
        b"pdf",
        (b"name", b"report.pdf"),
        None,
        None,
        b"base64",
    )
    assert attachment[6] == len(b"JVBERi0=")  # size of the encoded body, without the CRLF
    assert (b"attachment", (b"filename", b"report.pdf")) in attachment[7:]


def test_bodystructure_of_a_plain_message(imap):
    structure = imap.fetch([1], ["BODYSTRUCTURE"])[1][b"BODYSTRUCTURE"]

    assert not structure.is_multipart
    body = INVOICE.raw.split(b"\r\n\r\n", 1)[1]
    assert structure[:7] == (
        b"text",
        b"plain",
        (b"charset", b"us-ascii"),
        None,
        None,
        b"7bit",
        len(body),
    )
    assert structure[7] == 1


def test_envelope(imap):
    envelope = imap.fetch([2], ["ENVELOPE"])[2][b"ENVELOPE"]

    assert envelope.date == datetime(2025, 1, 7, 14, 0, tzinfo=timezone.utc)
    assert envelope.subject == b"=?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4g4piV?="
    assert envelope.from_ == (
        Address(b"=?utf-8?q?J=C3=B6rg_M=C3=BCller?=", None, b"joerg", b"example.de"),
    )
    assert envelope.sender == envelope.from_  # no Sender header: From (RFC 3501 7.4.2)
    assert envelope.reply_to == (Address(None, None, b"office", b"example.de"),)
    assert envelope.to == (Address(b"Ann", None, b"ann", b"example.com"),)
    assert envelope.cc == (Address(None, None, b"carl", b"example.com"),)
    assert envelope.bcc is None
    assert envelope.in_reply_to is None
    assert envelope.message_id == b"<report-7@example.de>"


def test_envelope_reply_to_defaults_to_from(imap):
    envelope = imap.fetch([1], ["ENVELOPE"])[1][b"ENVELOPE"]

    assert (
        envelope.reply_to
        == envelope.from_
        == (Address(b"Billing", None, b"billing", b"shop.example"),)
    )


def test_utf8_subject_decodes_to_what_was_sent(imap):
    subject = imap.fetch([2], ["ENVELOPE"])[2][b"ENVELOPE"].subject.decode()

    assert str(make_header(decode_header(subject))) == REPORT_SUBJECT


def test_internaldate_is_when_the_message_arrived(imap, mailbox):
    internal = imap.fetch([1], ["INTERNALDATE"])[1][b"INTERNALDATE"]

    assert abs(datetime.now(timezone.utc) - internal) < timedelta(minutes=5)
    assert internal.replace(microsecond=0) == mailbox.stored()[0].internal_date.replace(
        microsecond=0
    )


# -- flags -------------------------------------------------------------------------


def test_reading_body_sets_seen_but_peek_does_not(imap):
    imap.fetch([1], ["BODY.PEEK[]"])
    assert b"\\Seen" not in imap.get_flags([1])[1]

    imap.fetch([1], ["BODY[]"])

    assert b"\\Seen" in imap.get_flags([1])[1]
    assert imap.search(["UNSEEN"]) == [2, 3]


def test_add_and_remove_flags(imap, mailbox):
    added = imap.add_flags([1, 3], [b"\\Flagged", b"$Todo"])
    assert all({b"\\Flagged", b"$Todo"} <= set(added[uid]) for uid in (1, 3))

    removed = imap.remove_flags([3], [b"\\Flagged"])

    assert b"\\Flagged" not in removed[3] and b"$Todo" in removed[3]
    assert imap.search(["FLAGGED"]) == [1]
    assert imap.search(["KEYWORD", "$Todo"]) == [1, 3]
    assert mailbox.flags(3) == {"$Todo"}


def test_set_flags_replaces_them(imap):
    imap.add_flags([2], [b"\\Answered", b"\\Flagged"])

    imap.set_flags([2], [b"\\Seen"])

    assert set(imap.get_flags([2])[2]) - {b"\\Recent"} == {b"\\Seen"}


# -- copy, move, append ------------------------------------------------------------


def test_copy_puts_copies_in_the_target_and_keeps_the_source(imap, mailbox):
    # (IMAPClient drops the COPYUID code of a UID COPY; the imaplib tests check it.)
    imap.copy([2, 3], "Archive")

    assert imap.search() == [1, 2, 3]
    imap.select_folder("Archive")
    copies = imap.fetch(imap.search(), ["BODY.PEEK[]"])
    assert {uid: data[b"BODY[]"] for uid, data in copies.items()} == {
        1: REPORT.raw,
        2: NEWSLETTER.raw,
    }


def test_move_leaves_the_source(imap, mailbox):
    imap.move([1], "Trash")

    assert imap.search() == [2, 3]
    assert mailbox.uids("INBOX") == [2, 3]
    imap.select_folder("Trash")
    assert imap.fetch(imap.search(), ["BODY.PEEK[]"]) == {1: {b"BODY[]": INVOICE.raw, b"SEQ": 1}}


def test_append_with_flags_and_date(imap, mailbox):
    sent_at = datetime(2024, 12, 24, 18, 30, tzinfo=timezone(timedelta(hours=1)))
    message = plain("Sent from my phone")

    answer = imap.append("Sent", message, flags=[b"\\Seen"], msg_time=sent_at)

    uidvalidity = imap.folder_status("Sent", ["UIDVALIDITY"])[b"UIDVALIDITY"]
    assert f"[APPENDUID {uidvalidity} 1]".encode() in answer
    imap.select_folder("Sent")
    got = imap.fetch([1], ["FLAGS", "INTERNALDATE", "BODY.PEEK[]"])[1]
    assert b"\\Seen" in got[b"FLAGS"]
    assert got[b"INTERNALDATE"] == sent_at
    assert got[b"BODY[]"] == message == mailbox.raw(1, "Sent")


# -- expunge -----------------------------------------------------------------------


def test_delete_and_expunge(imap, mailbox):
    imap.delete_messages([1, 2])

    _, responses = imap.expunge()

    assert after_expunges([1, 2, 3], responses) == [3]
    assert imap.search() == [3]
    assert mailbox.uids() == [3]


def test_uid_expunge_only_the_given_messages(imap, mailbox):
    imap.delete_messages([1, 2, 3])

    imap.uid_expunge([2])

    assert imap.search() == [1, 3]
    assert imap.search(["DELETED"]) == [1, 3]


def test_unselect_does_not_expunge(imap, mailbox):
    imap.delete_messages([1])

    imap.unselect_folder()

    assert mailbox.uids() == [1, 2, 3]


# -- idle --------------------------------------------------------------------------


def test_idle_reports_new_mail(imap, mailbox):
    imap.idle()
    try:
        mailbox.deliver(plain("While you were idle"))
        responses = []
        deadline = time.monotonic() + TIMEOUT
        while (4, b"EXISTS") not in responses and time.monotonic() < deadline:
            responses += imap.idle_check(timeout=deadline - time.monotonic())
    finally:
        imap.idle_done()

    assert (4, b"EXISTS") in responses
    assert imap.fetch([4], ["ENVELOPE"])[4][b"ENVELOPE"].subject == b"While you were idle"


def test_idle_reports_flag_changes_by_another_session(mailtrap, mailbox):
    with connect(mailtrap) as watcher, connect(mailtrap) as other:
        watcher.idle()
        try:
            other.add_flags([2], [b"\\Flagged"])
            updates = []
            deadline = time.monotonic() + TIMEOUT
            while not updates and time.monotonic() < deadline:
                responses = watcher.idle_check(timeout=deadline - time.monotonic())
                updates = [r for r in responses if r[1] == b"FETCH"]
        finally:
            watcher.idle_done()

    ((number, _, data),) = updates
    assert number == 2
    assert b"\\Flagged" in dict(zip(data[::2], data[1::2], strict=True))[b"FLAGS"]


# -- CONDSTORE ---------------------------------------------------------------------


def test_select_condstore_reports_highestmodseq(imap):
    info = select_condstore(imap, "INBOX")

    assert info[b"HIGHESTMODSEQ"] > 0


def test_enable_condstore_then_fetch_modseq(mailtrap, mailbox):
    with connect(mailtrap, select=None) as imap:  # ENABLE only before SELECT (RFC 5161)
        assert imap.enable("CONDSTORE") == [b"CONDSTORE"]
        info = imap.select_folder("INBOX")

        fetched = imap.fetch([1, 2, 3], ["MODSEQ"])

        modseqs = [data[b"MODSEQ"][0] for data in fetched.values()]
        assert len(modseqs) == 3
        assert all(0 < m <= info[b"HIGHESTMODSEQ"] for m in modseqs)


def test_store_raises_modseq_and_changedsince_finds_it(imap):
    highest = select_condstore(imap, "INBOX")[b"HIGHESTMODSEQ"]

    imap.add_flags([2], [b"\\Answered"])

    changed = imap.fetch([1, 2, 3], ["FLAGS"], modifiers=[f"CHANGEDSINCE {highest}"])
    assert list(changed) == [2]
    assert changed[2][b"MODSEQ"][0] > highest
    assert b"\\Answered" in changed[2][b"FLAGS"]
    assert imap.search(["MODSEQ", highest + 1]) == [2]
    assert imap.select_folder("INBOX")[b"HIGHESTMODSEQ"] == changed[2][b"MODSEQ"][0]


def test_changedsince_sees_another_sessions_change(mailtrap, mailbox):
    with connect(mailtrap, select=None) as reader, connect(mailtrap) as writer:
        highest = select_condstore(reader, "INBOX")[b"HIGHESTMODSEQ"]

        writer.add_flags([3], [b"\\Seen"])

        changed = reader.fetch([1, 2, 3], ["FLAGS"], modifiers=[f"CHANGEDSINCE {highest}"])
        assert list(changed) == [3]
        assert b"\\Seen" in changed[3][b"FLAGS"]


# -- two sessions ------------------------------------------------------------------


def test_noop_delivers_another_sessions_flag_change_and_expunge(mailtrap, mailbox):
    with connect(mailtrap) as first, connect(mailtrap) as second:
        second.add_flags([1], [b"\\Deleted"])
        second.add_flags([3], [b"\\Flagged"])
        second.expunge()

        _, responses = first.noop()

        assert after_expunges([1, 2, 3], responses) == [2, 3]
        flag_updates = [r for r in responses if r[1] == b"FETCH"]
        assert flag_updates, responses
        assert first.search() == [2, 3]
        assert b"\\Flagged" in first.get_flags([3])[3]


def test_new_mail_shows_up_in_a_selected_session(imap, mailbox):
    mailbox.deliver(plain("Fresh"))

    _, responses = imap.noop()

    assert (4, b"EXISTS") in responses
    assert imap.search(["SUBJECT", "Fresh"]) == [4]


# -- logout ------------------------------------------------------------------------


def test_logout_says_bye(mailtrap):
    with connect(mailtrap, select=None) as client:
        assert client.logout() == b"Logging out."  # the BYE text
        with pytest.raises(IMAPClientError):
            client.noop()
