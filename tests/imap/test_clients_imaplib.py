"""The IMAP server through the standard library's imaplib, the client most Python
scripts use.

imaplib returns the server's answers nearly raw (bytes and response codes in the
text), so these tests also pin down what is on the wire. Mail goes in over SMTP
(see conftest.py) and every answer is compared with what was sent and with the
server's store.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

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

# -- helpers -----------------------------------------------------------------------


def close(client: imaplib.IMAP4) -> None:
    """LOGOUT if the session is still up, and always close the socket."""
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()  # shuts the socket down too, if it gets an answer
    with contextlib.suppress(OSError):
        client.shutdown()  # a second shutdown fails (EBADF) but still closes


@contextmanager
def connect(
    mailtrap, *, login: bool = True, select: str | None = "INBOX"
) -> Iterator[imaplib.IMAP4]:
    """An imaplib client on the plain port: logged in as ann, INBOX selected."""
    client = imaplib.IMAP4(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT)
    try:
        if login:
            client.login(USER, PASSWORD)
            if select:
                assert client.select(select)[0] == "OK"
        yield client
    finally:
        close(client)


@pytest.fixture
def imap(mailtrap, mailbox) -> Iterator[imaplib.IMAP4]:
    """Ann, logged in over the plain port, INBOX (the three samples) selected."""
    with connect(mailtrap) as client:
        yield client


def ok(result: tuple[str, list]) -> list:
    typ, data = result
    assert typ == "OK", data
    return data


def code(result: tuple[str, list], name: str) -> list[str]:
    """The arguments of response code `name` in a tagged OK, e.g. COPYUID."""
    text = ok(result)[-1].decode()
    found = re.search(rf"\[{name} ([^\]]*)\]", text)
    assert found, f"no [{name} ...] in {text!r}"
    return found.group(1).split()


def numbers(result: tuple[str, list]) -> list[int]:
    """A SEARCH answer as numbers."""
    return [int(n) for n in ok(result)[0].split()]


def fetched(result: tuple[str, list]) -> dict[int, bytes]:
    """Literal payloads of a FETCH, by message number (one literal item per message)."""
    out = {}
    for item in ok(result):
        if isinstance(item, tuple):
            out[int(item[0].split()[0])] = item[1]
    return out


def fetched_flags(client: imaplib.IMAP4, uid: int) -> set[str]:
    (line,) = ok(client.uid("FETCH", str(uid), "(FLAGS)"))
    flags = re.search(rb"FLAGS \(([^)]*)\)", line).group(1).decode()
    return set(flags.split())


def untagged(client: imaplib.IMAP4, name: str) -> list[bytes]:
    """Take (and forget) the untagged responses of kind `name` imaplib has collected."""
    return client.response(name)[1] if name in client.untagged_responses else []


# -- connecting and logging in -----------------------------------------------------


def test_login_over_plain_port_announces_the_extensions(mailtrap):
    with connect(mailtrap, login=False) as client:
        assert {"IMAP4REV1", "STARTTLS", "AUTH=PLAIN", "IDLE"} <= set(client.capabilities)
        assert "UIDPLUS" not in client.capabilities  # only after login

        typ, [text] = client.login(USER, PASSWORD)

        assert typ == "OK"
        assert client.state == "AUTH"
        announced = set(re.search(rb"\[CAPABILITY ([^\]]*)\]", text).group(1).decode().split())
        assert {"UIDPLUS", "MOVE", "SPECIAL-USE", "CONDSTORE", "UNSELECT"} <= announced


def test_authenticate_plain_logs_in(mailtrap, mailbox):
    with connect(mailtrap, login=False) as client:
        typ, _ = client.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())

        assert typ == "OK"
        assert client.select("INBOX") == ("OK", [b"3"])


def test_starttls_upgrades_the_plain_port_and_verifies_the_certificate(mailtrap, mailbox):
    with connect(mailtrap, login=False) as client:
        client.starttls(ssl_context=mailtrap.client_ssl_context())

        assert isinstance(client.sock, ssl.SSLSocket)
        names = {value for kind, value in client.sock.getpeercert()["subjectAltName"]}
        assert {"localhost", "127.0.0.1"} <= names
        assert "STARTTLS" not in client.capabilities  # RFC 3501 6.2.1: not again
        client.login(USER, PASSWORD)
        client.select("INBOX")
        assert fetched(client.fetch("1", "(BODY.PEEK[])")) == {1: mailbox.raw(1)}


def test_imaps_port_speaks_tls_from_the_first_byte(mailtrap, mailbox):
    client = imaplib.IMAP4_SSL(
        mailtrap.host,
        mailtrap.imaps_port,
        ssl_context=mailtrap.client_ssl_context(),
        timeout=TIMEOUT,
    )
    try:
        assert "STARTTLS" not in client.capabilities
        client.login(USER, PASSWORD)
        assert client.select("INBOX") == ("OK", [b"3"])
        assert fetched(client.fetch("3", "(BODY.PEEK[])")) == {3: NEWSLETTER.raw}
    finally:
        close(client)


def test_imaps_certificate_is_refused_without_the_test_ca(mailtrap):
    # The verification above is real: a client that does not trust the test CA fails.
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(
            mailtrap.host,
            mailtrap.imaps_port,
            ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),  # verifies, trusts no CA
            timeout=TIMEOUT,
        )


# -- folders -----------------------------------------------------------------------


LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) "(?P<sep>[^"]*)" "?(?P<name>[^"]*)"?$')


def test_list_shows_every_folder_with_its_special_use(imap):
    lines = ok(imap.list())

    folders = {}
    for line in lines:
        match = LIST_LINE.match(line)
        assert match, line
        assert match["sep"] == b"/"
        folders[match["name"].decode()] = set(match["flags"].decode().split())
    assert set(folders) == set(FOLDERS)
    for name, special in FOLDERS.items():
        uses = {f for f in folders[name] if f in FOLDERS.values()}
        assert uses == ({special} if special else set()), (name, folders[name])


def test_select_reports_counts_uids_and_read_write(imap):
    imap.close()

    typ, [exists] = imap.select("INBOX")

    assert (typ, exists) == ("OK", b"3")
    assert untagged(imap, "UIDNEXT") == [b"4"]
    assert untagged(imap, "UNSEEN") == [b"1"]
    assert int(untagged(imap, "UIDVALIDITY")[0]) > 0
    assert b"\\Seen" in untagged(imap, "FLAGS")[0]
    assert untagged(imap, "READ-WRITE") == [b""]


def test_examine_is_read_only_and_refuses_store(imap):
    typ, [exists] = imap.select("INBOX", readonly=True)

    assert (typ, exists) == ("OK", b"3")
    assert untagged(imap, "READ-ONLY") == [b""]
    typ, _ = imap.store("1", "+FLAGS", "(\\Flagged)")
    assert typ == "NO"


def test_status_counts_without_selecting(imap, mailbox):
    typ, [line] = imap.status("INBOX", "(MESSAGES UNSEEN UIDNEXT)")

    assert typ == "OK"
    assert re.search(rb"MESSAGES 3\b", line) and re.search(rb"UNSEEN 3\b", line)
    assert re.search(rb"UIDNEXT 4\b", line)


# -- search ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (("SUBJECT", '"Invoice"'), [1]),
        (("SUBJECT", "digest"), [3]),  # substring, case-insensitive
        (("FROM", "joerg@example.de"), [2]),
        (("FROM", "Billing"), [1]),  # the display name counts too
        (("TO", "ann@example.com"), [1, 2, 3]),
        (("CC", "carl"), [2]),
        (("UNSEEN",), [1, 2, 3]),
        (("SEEN",), []),
        (("HEADER", "List-Id", "weekly.lists"), [3]),
        (("HEADER", "Message-ID", "<invoice-1001@shop.example>"), [1]),
        (("BODY", '"42 EUR"'), [1]),
        (("TEXT", "unsubscribe"), [3]),  # in the body
        (("TEXT", "shop.example"), [1]),  # in the header
        (("OR", "SUBJECT", "Invoice", "FROM", "news@"), [1, 3]),
        (("NOT", "FROM", "billing"), [2, 3]),
        (("2:3", "NOT", "SUBJECT", "digest"), [2]),
        (("SENTSINCE", "07-Jan-2025"), [2, 3]),
        (("SENTBEFORE", "07-Jan-2025"), [1]),
        (("LARGER", "500"), [2]),
        (("ALL",), [1, 2, 3]),
    ],
)
def test_search(imap, criteria, expected):
    assert numbers(imap.search(None, *criteria)) == expected


def test_uid_search_by_uid_range(imap):
    assert numbers(imap.uid("SEARCH", "UID", "2:*")) == [2, 3]
    assert numbers(imap.uid("SEARCH", "UID", "1,3")) == [1, 3]
    # "*" is the largest UID in use, so 7:* still matches the last message (RFC 3501 6.4.8)
    assert numbers(imap.uid("SEARCH", "UID", "7:*")) == [3]


def test_search_decodes_an_encoded_subject_with_charset_utf8(imap):
    imap.literal = "Köln".encode()

    assert numbers(imap.search("UTF-8", "SUBJECT")) == [2]


def test_search_with_an_unknown_charset_says_badcharset(imap):
    typ, [text] = imap.search("X-UNKNOWN", "SUBJECT", "x")

    assert typ == "NO"
    assert b"[BADCHARSET" in text


def test_search_unseen_follows_reading(imap):
    imap.fetch("1", "(BODY[])")

    assert numbers(imap.search(None, "UNSEEN")) == [2, 3]
    assert numbers(imap.search(None, "SEEN")) == [1]


# -- fetch -------------------------------------------------------------------------


def test_fetch_full_message_is_byte_identical_to_what_was_sent(imap, mailbox):
    bodies = fetched(imap.fetch("1:3", "(BODY.PEEK[])"))

    assert bodies == {1: INVOICE.raw, 2: REPORT.raw, 3: NEWSLETTER.raw}
    assert bodies == {n: mailbox.raw(uid=n) for n in (1, 2, 3)}


def test_fetch_rfc822_size_is_the_stored_length(imap, mailbox):
    (line,) = ok(imap.fetch("2", "(RFC822.SIZE)"))

    assert line == b"2 (RFC822.SIZE %d)" % len(mailbox.raw(2))


def test_fetch_selected_header_fields(imap):
    bodies = fetched(imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"))

    assert bodies[1] == b"From: Billing <billing@shop.example>\r\nSubject: Invoice 1001\r\n\r\n"


def test_fetch_header_and_text_split_the_message(imap):
    header = fetched(imap.fetch("3", "(BODY.PEEK[HEADER])"))[3]
    text = fetched(imap.fetch("3", "(BODY.PEEK[TEXT])"))[3]

    assert header == NEWSLETTER.header
    assert header + text == NEWSLETTER.raw


def test_fetch_mime_parts_by_number(imap):
    plain_part = fetched(imap.fetch("2", "(BODY.PEEK[1.1])"))[2]
    html_part = fetched(imap.fetch("2", "(BODY.PEEK[1.2])"))[2]
    attachment = fetched(imap.fetch("2", "(BODY.PEEK[2])"))[2]
    attachment_header = fetched(imap.fetch("2", "(BODY.PEEK[2.MIME])"))[2]

    assert plain_part == b"Der Bericht aus K=C3=B6ln ist angeh=C3=A4ngt."
    assert html_part == b"<p>Der Bericht aus <b>K=C3=B6ln</b> ist angeh=C3=A4ngt.</p>"
    assert attachment == b"JVBERi0="
    assert attachment_header.startswith(b'Content-Type: application/pdf; name="report.pdf"\r\n')
    assert attachment_header.endswith(b"\r\n\r\n")


def test_fetch_partial_body_returns_the_first_octets(imap):
    (item, _) = ok(imap.fetch("1", "(BODY.PEEK[]<0.10>)"))

    assert item[0].endswith(b"BODY[]<0> {10}")  # the origin is echoed, the length not
    assert item[1] == INVOICE.raw[:10]


def test_fetch_partial_body_from_an_offset(imap):
    bodies = fetched(imap.fetch("1", "(BODY.PEEK[]<6.7>)"))

    assert bodies[1] == INVOICE.raw[6:13] == b"Billing"


def test_fetch_envelope_carries_the_addresses_and_the_raw_subject(imap):
    (line,) = ok(imap.fetch("2", "(ENVELOPE)"))

    assert line.startswith(b'2 (ENVELOPE ("Tue, 07 Jan 2025 14:00:00 +0000" ')
    assert b'"=?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4g4piV?="' in line  # not decoded (RFC 3501)
    assert b'(("=?utf-8?q?J=C3=B6rg_M=C3=BCller?=" NIL "joerg" "example.de"))' in line
    assert b'((NIL NIL "office" "example.de"))' in line  # Reply-To
    assert b'((NIL NIL "carl" "example.com"))' in line  # Cc
    assert line.endswith(b' "<report-7@example.de>"))')


def test_fetch_internaldate_and_uid(imap):
    (line,) = ok(imap.fetch("3", "(UID INTERNALDATE)"))

    assert re.fullmatch(
        rb'3 \(UID 3 INTERNALDATE "\d\d-\w{3}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}"\)', line
    )


def test_uid_fetch_addresses_messages_by_uid(imap, mailbox):
    bodies = ok(imap.uid("FETCH", "3", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))

    assert re.match(rb"3 \(UID 3 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}", bodies[0][0])
    assert bodies[0][1] == b"Subject: Weekly digest\r\n\r\n"


# -- flags -------------------------------------------------------------------------


def test_peek_leaves_a_message_unseen_but_reading_body_marks_it_seen(imap, mailbox):
    imap.fetch("1", "(BODY.PEEK[])")
    assert "\\Seen" not in fetched_flags(imap, 1)

    (item, _) = ok(imap.fetch("1", "(BODY[])"))

    assert item[1] == INVOICE.raw
    assert "\\Seen" in fetched_flags(imap, 1)
    assert "\\Seen" in mailbox.flags(1)


def test_store_adds_and_removes_flags_and_answers_with_the_new_set(imap, mailbox):
    (added,) = ok(imap.store("2", "+FLAGS", "(\\Flagged $Important)"))
    assert {b"\\Flagged", b"$Important"} <= set(re.search(rb"FLAGS \(([^)]*)\)", added)[1].split())
    assert {"\\Flagged", "$Important"} <= mailbox.flags(2)

    (removed,) = ok(imap.store("2", "-FLAGS", "(\\Flagged)"))

    assert b"\\Flagged" not in removed and b"$Important" in removed
    assert mailbox.flags(2) == {"$Important"}
    assert numbers(imap.search(None, "KEYWORD", "$Important")) == [2]


def test_store_silent_answers_without_fetch(imap, mailbox):
    assert ok(imap.store("1:3", "+FLAGS.SILENT", "(\\Seen)")) == [None]

    assert all("\\Seen" in mailbox.flags(uid) for uid in (1, 2, 3))
    assert numbers(imap.search(None, "UNSEEN")) == []


def test_store_replaces_all_flags(imap, mailbox):
    imap.store("1", "+FLAGS", "(\\Flagged \\Answered)")

    imap.store("1", "FLAGS", "(\\Draft)")

    assert mailbox.flags(1) == {"\\Draft"}


# -- copy, move, append ------------------------------------------------------------


def test_copy_reports_copyuid_and_leaves_the_source(imap, mailbox):
    imap.store("2", "+FLAGS", "(\\Flagged)")

    result = imap.copy("1:2", "Archive")  # UID = number here; imaplib's uid() drops the code

    uidvalidity, source, target = code(result, "COPYUID")
    assert (source, target) == ("1:2", "1:2")
    assert mailbox.uids("INBOX") == [1, 2, 3]
    assert [e.message.raw for e in mailbox.stored("Archive")] == [INVOICE.raw, REPORT.raw]
    assert "\\Flagged" in mailbox.flags(2, "Archive")  # flags travel with the copy
    imap.select("Archive")
    assert untagged(imap, "UIDVALIDITY") == [uidvalidity.encode()]


def test_move_takes_the_message_out_of_the_source(imap, mailbox):
    result = imap.uid("MOVE", "2", "Trash")

    assert ok(result)
    assert untagged(imap, "EXPUNGE") == [b"2"]
    copyuid = untagged(imap, "COPYUID")  # RFC 6851: in an untagged OK before the EXPUNGE
    assert copyuid and copyuid[0].split()[1:] == [b"2", b"1"]
    assert mailbox.uids("INBOX") == [1, 3]
    assert [e.message.raw for e in mailbox.stored("Trash")] == [REPORT.raw]
    assert numbers(imap.search(None, "ALL")) == [1, 2]


def test_append_reports_appenduid_and_keeps_flags_and_internal_date(imap, mailbox):
    draft = plain("Draft reply", "Not finished yet.")
    when = imaplib.Time2Internaldate(time.mktime((2024, 3, 1, 12, 0, 0, 0, 0, -1)))

    result = imap.append("Drafts", "(\\Draft \\Seen)", when, draft)

    _, uid = code(result, "APPENDUID")
    (entry,) = mailbox.stored("Drafts")
    assert (entry.uid, entry.message.raw) == (int(uid), draft)
    assert set(entry.flags) == {"\\Draft", "\\Seen"}
    imap.select("Drafts")
    (line,) = ok(imap.uid("FETCH", uid, "(FLAGS INTERNALDATE)"))
    assert set(re.search(rb"FLAGS \(([^)]*)\)", line).group(1).split()) >= {b"\\Draft", b"\\Seen"}
    assert re.search(rb'INTERNALDATE "([^"]*)"', line).group(1) == when.strip('"').encode()
    assert fetched(imap.fetch("1", "(BODY.PEEK[])")) == {1: draft}


def test_append_to_a_missing_folder_says_trycreate(imap):
    typ, [text] = imap.append("Nowhere", None, None, plain("lost"))

    assert typ == "NO"
    assert b"[TRYCREATE]" in text


# -- expunge -----------------------------------------------------------------------


def test_expunge_removes_deleted_messages_and_renumbers(imap, mailbox):
    imap.store("2", "+FLAGS", "(\\Deleted)")

    typ, data = imap.expunge()

    assert (typ, data) == ("OK", [b"2"])  # the "* 2 EXPUNGE" sequence numbers
    assert mailbox.uids() == [1, 3]
    bodies = fetched(imap.fetch("1:*", "(BODY.PEEK[])"))
    assert bodies == {1: INVOICE.raw, 2: NEWSLETTER.raw}


def test_uid_expunge_removes_only_the_given_uids(imap, mailbox):
    imap.store("1:3", "+FLAGS", "(\\Deleted)")

    ok(imap.uid("EXPUNGE", "3"))

    assert mailbox.uids() == [1, 2]
    assert all("\\Deleted" in mailbox.flags(uid) for uid in (1, 2))


def test_close_expunges_silently(imap, mailbox):
    imap.store("1", "+FLAGS", "(\\Deleted)")

    assert imap.close()[0] == "OK"

    assert mailbox.uids() == [2, 3]
    assert untagged(imap, "EXPUNGE") == []


# -- idle --------------------------------------------------------------------------


# IDLE: imaplib has none before Python 3.14; imapclient and aioimaplib drive it
# (test_clients_imapclient.py, test_clients_aioimaplib.py) and test_protocol.py
# checks its bytes.


# -- two sessions ------------------------------------------------------------------


def test_a_second_session_sees_flag_changes_and_expunges(mailtrap, mailbox):
    with connect(mailtrap) as first, connect(mailtrap) as second:
        untagged(first, "FETCH")

        second.store("1", "+FLAGS", "(\\Flagged)")
        first.noop()

        (change,) = untagged(first, "FETCH")
        assert re.fullmatch(rb"1 \((UID 1 )?FLAGS \(.*\\Flagged.*\)\)", change)

        second.store("2", "+FLAGS", "(\\Deleted)")
        second.expunge()
        first.noop()

        assert untagged(first, "EXPUNGE") == [b"2"]
        assert numbers(first.search(None, "ALL")) == [1, 2]
        assert fetched(first.fetch("2", "(BODY.PEEK[])")) == {2: NEWSLETTER.raw}


def test_expunge_by_another_session_is_not_reported_during_fetch(mailtrap, mailbox):
    # RFC 3501 7.4.1: no EXPUNGE during FETCH, STORE or SEARCH; numbers would shift.
    with connect(mailtrap) as first, connect(mailtrap) as second:
        second.store("1", "+FLAGS", "(\\Deleted)")
        second.expunge()

        bodies = fetched(first.fetch("3", "(BODY.PEEK[])"))

        assert bodies == {3: NEWSLETTER.raw}
        assert untagged(first, "EXPUNGE") == []
        first.noop()
        assert untagged(first, "EXPUNGE") == [b"1"]


# -- logout ------------------------------------------------------------------------


def test_logout_says_bye(mailtrap):
    # What follows the BYE on the wire (tagged OK, close) is in test_protocol.py:
    # imaplib's logout() closes its socket at once.
    with connect(mailtrap, select=None) as client:
        typ, data = client.logout()

        assert typ == "BYE"
        assert data == [b"Logging out."]
