"""The IMAP server through imap_tools, the high-level client: messages as objects.

imap_tools builds SEARCH queries from Python (AND/OR/NOT, UID ranges, headers),
fetches whole messages and parses them with the email package, so these tests
check what an application using it sees: decoded subjects, text, html and
attachments, flags, folders. Mail goes in over SMTP (see conftest.py).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from imap_tools import (
    AND,
    NOT,
    OR,
    BaseMailBox,
    H,
    MailBox,
    MailBoxStartTls,
    MailBoxUnencrypted,
    MailMessageFlags,
    U,
)
from imap_tools.errors import MailboxFolderSelectError

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
def logged_in(box: BaseMailBox, folder: str | None = "INBOX") -> Iterator[BaseMailBox]:
    """Log `box` in as ann (selecting `folder`); log out and close it afterwards."""
    try:
        box.login(USER, PASSWORD, initial_folder=folder)
        yield box
    finally:
        try:
            box.logout()
        except Exception:
            box.client.shutdown()


@pytest.fixture
def box(mailtrap, mailbox) -> Iterator[BaseMailBox]:
    """Ann's INBOX (the three samples) over the plain port."""
    with logged_in(MailBoxUnencrypted(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT)) as box:
        yield box


def uids(box: BaseMailBox, criteria="ALL", charset: str | None = "US-ASCII") -> list[int]:
    return [int(uid) for uid in box.uids(criteria, charset)]


def raw(box: BaseMailBox, uid: int) -> bytes:
    """The message's bytes as the server sends them (MailMessage keeps only a parse)."""
    typ, data = box.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    assert typ == "OK"
    return data[0][1]


# -- connecting and logging in -----------------------------------------------------


def test_login_selects_the_initial_folder(box):
    assert box.login_result[0] == "OK"
    assert box.folder.get() == "INBOX"


def test_starttls_with_certificate_verification(mailtrap, mailbox):
    tls = MailBoxStartTls(
        mailtrap.host,
        mailtrap.imap_port,
        timeout=TIMEOUT,
        ssl_context=mailtrap.client_ssl_context(),
    )
    with logged_in(tls) as box:
        assert box.client.sock.version().startswith("TLS")
        assert [m.subject for m in box.fetch(mark_seen=False)] == [
            "Invoice 1001",
            REPORT_SUBJECT,
            "Weekly digest",
        ]


def test_imaps_with_certificate_verification(mailtrap, mailbox):
    imaps = MailBox(
        mailtrap.host,
        mailtrap.imaps_port,
        timeout=TIMEOUT,
        ssl_context=mailtrap.client_ssl_context(),
    )
    with logged_in(imaps) as box:
        assert box.client.sock.version().startswith("TLS")
        assert uids(box) == [1, 2, 3]


def test_login_utf8_uses_authenticate_plain(mailtrap, mailbox):
    client = MailBoxUnencrypted(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT)
    try:
        client.login_utf8(USER, "pässwörd")  # any password works, also a non-ASCII one
        assert uids(client) == [1, 2, 3]
    finally:
        client.logout()


# -- folders -----------------------------------------------------------------------


def test_folder_list_has_the_special_use_flags(box):
    folders = {info.name: info for info in box.folder.list()}

    assert set(folders) == set(FOLDERS)
    assert {info.delim for info in folders.values()} == {"/"}
    for name, special in FOLDERS.items():
        if special:
            assert special in folders[name].flags, folders[name]


def test_folder_status(box):
    status = box.folder.status("INBOX")

    assert status["MESSAGES"] == 3
    assert status["UNSEEN"] == 3
    assert status["UIDNEXT"] == 4


def test_selecting_a_missing_folder_fails(box):
    with pytest.raises(MailboxFolderSelectError):
        box.folder.set("Nowhere")


def test_create_and_delete_a_folder(box):
    box.folder.create("Receipts")
    assert box.folder.exists("Receipts")

    box.folder.delete("Receipts")

    assert not box.folder.exists("Receipts")


# -- search ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (AND(subject="Invoice"), [1]),
        (AND(from_="news@lists.example.org"), [3]),
        (AND(seen=False), [1, 2, 3]),
        (AND(uid=U(2, "*")), [2, 3]),
        (AND(uid=["1", "3"]), [1, 3]),
        (AND(header=H("List-Id", "weekly")), [3]),
        (AND(text="STOP"), [3]),
        (AND(body="42 EUR"), [1]),
        (OR(subject="Invoice", from_="joerg"), [1, 2]),
        (NOT(subject="digest"), [1, 2]),
        (AND(NOT(from_="billing"), subject="digest"), [3]),
        (AND(date_gte=datetime.date(2000, 1, 1)), [1, 2, 3]),  # internal date
        (AND(sent_date=datetime.date(2025, 1, 6)), [1]),
        (AND(size_gt=500), [2]),
        (AND(cc="carl@example.com"), [2]),
    ],
    ids=str,
)
def test_search(box, criteria, expected):
    assert uids(box, criteria) == expected


def test_search_a_utf8_subject(box):
    assert uids(box, AND(subject="Köln"), charset="UTF-8") == [2]


# -- fetch -------------------------------------------------------------------------


def test_fetch_parses_subject_addresses_and_date(box):
    messages = {int(m.uid): m for m in box.fetch(mark_seen=False)}

    invoice, report, newsletter = messages[1], messages[2], messages[3]
    assert invoice.subject == "Invoice 1001"
    assert invoice.from_ == "billing@shop.example"
    assert invoice.date == datetime.datetime(
        2025, 1, 6, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert report.subject == REPORT_SUBJECT
    assert report.from_values.name == "Jörg Müller"
    assert report.cc == ("carl@example.com",)
    assert report.reply_to == ("office@example.de",)
    assert newsletter.headers["list-id"] == ("Weekly <weekly.lists.example.org>",)


def test_fetch_multipart_text_html_and_attachment(box):
    (report,) = box.fetch(AND(uid="2"), mark_seen=False)

    assert report.text.strip() == "Der Bericht aus Köln ist angehängt."
    assert report.html.strip() == "<p>Der Bericht aus <b>Köln</b> ist angehängt.</p>"
    (attachment,) = report.attachments
    assert attachment.filename == "report.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.payload == b"%PDF-"
    assert report.size_rfc822 == len(REPORT.raw)


def test_fetch_is_byte_identical_to_the_store(box, mailbox):
    for uid, sent in ((1, INVOICE), (2, REPORT), (3, NEWSLETTER)):
        assert raw(box, uid) == sent.raw == mailbox.raw(uid)


def test_fetch_headers_only_has_no_body(box):
    (invoice,) = box.fetch(AND(uid="1"), headers_only=True, mark_seen=False)

    assert invoice.subject == "Invoice 1001"
    assert invoice.text == ""


def test_fetch_in_bulk_and_by_one_agree(box):
    one_by_one = [(m.uid, m.subject) for m in box.fetch(mark_seen=False)]
    in_bulk = [(m.uid, m.subject) for m in box.fetch(mark_seen=False, bulk=True)]

    assert (
        one_by_one
        == in_bulk
        == [("1", "Invoice 1001"), ("2", REPORT_SUBJECT), ("3", "Weekly digest")]
    )


# -- flags -------------------------------------------------------------------------


def test_fetch_marks_seen_unless_told_not_to(box, mailbox):
    list(box.fetch(AND(uid="1"), mark_seen=False))
    assert "\\Seen" not in mailbox.flags(1)

    list(box.fetch(AND(uid="1")))

    assert "\\Seen" in mailbox.flags(1)
    assert uids(box, AND(seen=False)) == [2, 3]


def test_flag_and_unflag(box, mailbox):
    box.flag(["2", "3"], (MailMessageFlags.FLAGGED, MailMessageFlags.ANSWERED), True)
    assert uids(box, AND(flagged=True)) == [2, 3]

    box.flag("3", MailMessageFlags.FLAGGED, False)

    assert uids(box, AND(flagged=True)) == [2]
    assert uids(box, AND(answered=True)) == [2, 3]
    (newsletter,) = box.fetch(AND(uid="3"), mark_seen=False)
    assert set(newsletter.flags) - {"\\Recent"} == {"\\Answered"}
    assert mailbox.flags(3) == {"\\Answered"}


def test_keywords(box):
    box.flag("1", "$Paid", True)

    assert uids(box, AND(keyword="$Paid")) == [1]
    assert uids(box, AND(no_keyword="$Paid")) == [2, 3]


# -- copy, move, append, delete ----------------------------------------------------


def test_copy_leaves_the_source(box, mailbox):
    ((typ, _),) = box.copy(["1", "3"], "Archive")  # (UID COPY: imaplib drops COPYUID)

    assert typ == "OK"
    assert [e.message.raw for e in mailbox.stored("Archive")] == [INVOICE.raw, NEWSLETTER.raw]
    assert uids(box) == [1, 2, 3]


def test_move_empties_the_source(box, mailbox):
    # imaplib keeps the greeting's capabilities, which do not list MOVE (it comes
    # with login, as with Dovecot), so imap_tools moves by COPY, STORE, EXPUNGE.
    box.move(["2"], "Junk")

    assert uids(box) == [1, 3]
    box.folder.set("Junk")
    (moved,) = box.fetch(mark_seen=False)
    assert (moved.uid, moved.subject) == ("1", REPORT_SUBJECT)


def test_append_with_flags_and_date(box, mailbox):
    when = datetime.datetime(2024, 5, 17, 8, 15, tzinfo=datetime.timezone.utc)

    typ, [text] = box.append(
        plain("Saved draft"), "Drafts", dt=when, flag_set=[MailMessageFlags.DRAFT]
    )

    assert typ == "OK" and b"[APPENDUID " in text
    (entry,) = mailbox.stored("Drafts")
    assert entry.message.raw == plain("Saved draft")
    assert entry.internal_date == when
    assert set(entry.flags) == {"\\Draft"}
    box.folder.set("Drafts")
    (draft,) = box.fetch(mark_seen=False)
    assert draft.subject == "Saved draft"
    assert "\\Draft" in draft.flags


def test_delete_flags_and_expunges(box, mailbox):
    box.delete(["1", "2"])

    assert uids(box) == [3]
    assert mailbox.uids() == [3]


# -- idle --------------------------------------------------------------------------


def test_idle_wait_returns_when_mail_arrives(box, mailbox):
    box.idle.start()
    try:
        mailbox.deliver(plain("Ping"))
        responses: list[bytes] = []
        deadline = time.monotonic() + TIMEOUT
        while b"* 4 EXISTS" not in responses and time.monotonic() < deadline:
            responses += box.idle.poll(timeout=deadline - time.monotonic())
    finally:
        box.idle.stop()

    assert b"* 4 EXISTS" in responses
    assert [m.subject for m in box.fetch(AND(seen=False), mark_seen=False)][-1] == "Ping"


# -- two sessions ------------------------------------------------------------------


def test_two_sessions_see_each_others_changes(mailtrap, mailbox):
    def connect():
        return logged_in(MailBoxUnencrypted(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT))

    with connect() as first, connect() as second:
        first.flag("1", MailMessageFlags.SEEN, True)
        second.delete("3")

        assert uids(second, AND(seen=True)) == [1]
        first.client.noop()  # the expunge reaches first's view (RFC 3501 7.4.1)
        assert uids(first) == [1, 2]
        assert [m.uid for m in first.fetch(mark_seen=False)] == ["1", "2"]


# -- logout ------------------------------------------------------------------------


def test_logout_answers_bye(mailtrap):
    box = MailBoxUnencrypted(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT)
    box.login(USER, PASSWORD, initial_folder=None)

    typ, [text] = box.logout()  # imap_tools checks for BYE itself, and closes the socket

    assert typ == "BYE" and text.startswith(b"Logging out")
