"""IMAP on the wire: states, errors, limits, other sessions' changes, IDLE, TLS,
logins and fault rules, seen through a raw socket where a library would hide the
bytes (imaplib for the rest)."""

from __future__ import annotations

import base64
import imaplib
import smtplib
import time

import pytest

from mailtrap_py import MailServer
from tests.imap.raw import TIMEOUT, RawIMAP


def deliver(
    mailtrap,
    subject: str = "Hello",
    to: str = "ann@example.com",
    body: str = "Hi.",
    *,
    raw: bytes | None = None,
) -> None:
    """Send over SMTP: a simple message, or `raw` as it is."""
    if raw is None:
        text = f"From: app@example.com\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}\r\n"
        raw = text.encode()
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=TIMEOUT) as client:
        assert client.sendmail("app@example.com", [to], raw) == {}


def connect(mailtrap) -> RawIMAP:
    return RawIMAP(mailtrap.host, mailtrap.imap_port)


def status(tagged: bytes) -> bytes:
    return tagged.split(b" ", 2)[1]


# -- greeting, capabilities, states ------------------------------------------------


def test_greeting_lists_capabilities_and_starttls_only_before_login(mailtrap) -> None:
    with connect(mailtrap) as imap:
        assert imap.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
        assert b"STARTTLS" in imap.greeting and b"AUTH=PLAIN" in imap.greeting
        [caps] = imap.ok("CAPABILITY")
        assert b"STARTTLS" in caps and b"MOVE" not in caps
        imap.login()
        [caps] = imap.ok("CAPABILITY")
        for extension in (b"IDLE", b"UIDPLUS", b"MOVE", b"CONDSTORE", b"SPECIAL-USE", b"CHILDREN"):
            assert b" " + extension in caps
        assert b"STARTTLS" not in caps and b"AUTH=" not in caps


def test_implicit_tls_port_offers_no_starttls(mailtrap) -> None:
    with RawIMAP(mailtrap.host, mailtrap.imaps_port, tls=mailtrap.client_ssl_context()) as imap:
        assert b"STARTTLS" not in imap.greeting
        imap.login()
        imap.ok("SELECT INBOX")


def test_starttls_upgrades_and_the_client_verifies_the_certificate(mailtrap) -> None:
    client = imaplib.IMAP4(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT)
    try:
        client.starttls(ssl_context=mailtrap.client_ssl_context())
        assert "STARTTLS" not in client.capabilities
        client.login("ann@example.com", "x")
        assert client.select("INBOX")[0] == "OK"
    finally:
        client.logout()


def test_commands_in_the_wrong_state_get_bad_and_the_session_goes_on(mailtrap) -> None:
    with connect(mailtrap) as imap:
        for command in ("SELECT INBOX", "FETCH 1 FLAGS", 'LIST "" *', "IDLE"):
            _, tagged = imap.command(command)
            assert status(tagged) == b"BAD", command
            assert b"not allowed now" in tagged
        imap.login()
        _, tagged = imap.command("FETCH 1 FLAGS")
        assert status(tagged) == b"BAD"
        _, tagged = imap.command("LOGIN a b")
        assert status(tagged) == b"BAD"
        imap.ok("NOOP")


def test_junk_gets_bad_with_a_reason(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.send(b"\r\n")
        assert imap.line().startswith(b"* BAD")
        _, tagged = imap.command("FROBNICATE now")
        assert tagged.startswith(b"t1 BAD Unknown command FROBNICATE")
        _, tagged = imap.command('LOGIN "unterminated')
        assert tagged.startswith(b"t2 BAD Unterminated quoted string")
        _, tagged = imap.command("CAPABILITY extra")
        assert status(tagged) == b"BAD"
        imap.ok("NOOP")


def test_logout_says_bye_then_ok_and_closes(mailtrap) -> None:
    with connect(mailtrap) as imap:
        untagged, tagged = imap.command("LOGOUT")
        assert untagged == [b"* BYE Logging out.\r\n"]
        assert status(tagged) == b"OK"
        assert imap.line() == b""


# -- logins -------------------------------------------------------------------------


def test_any_password_opens_any_mailbox_by_default(mailtrap) -> None:
    deliver(mailtrap, to="bob@example.com")
    with connect(mailtrap) as imap:
        imap.login("bob@example.com", "whatever")
        untagged = imap.ok("SELECT INBOX")
        assert b"* 1 EXISTS\r\n" in untagged


@pytest.mark.mailtrap(strict=True, users={"ann@example.com": "secret"})
def test_strict_server_checks_declared_users(mailtrap) -> None:
    with connect(mailtrap) as imap:
        _, tagged = imap.command('LOGIN "ann@example.com" "wrong"')
        assert tagged.startswith(b"t1 NO [AUTHENTICATIONFAILED]")
        _, tagged = imap.command('LOGIN "eve@example.com" "secret"')
        assert status(tagged) == b"NO"
        imap.login("ann@example.com", "secret")


@pytest.mark.mailtrap(catchall_login="all@mailtrap.local")
def test_catchall_login_sees_every_captured_message(mailtrap) -> None:
    deliver(mailtrap, subject="to ann", to="ann@example.com")
    deliver(mailtrap, subject="to bob", to="bob@example.org")
    with connect(mailtrap) as imap:
        imap.login("all@mailtrap.local", "x")
        assert b"* 2 EXISTS\r\n" in imap.ok("SELECT INBOX")
        untagged = imap.ok("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert b"Subject: to ann\r\n\r\n" in untagged and b"Subject: to bob\r\n\r\n" in untagged


def test_authenticate_plain_with_and_without_initial_response(mailtrap) -> None:
    token = base64.b64encode(b"\0ann@example.com\0pw").decode()
    with connect(mailtrap) as imap:
        _, tagged = imap.command(f"AUTHENTICATE PLAIN {token}")
        assert tagged.startswith(b"t1 OK [CAPABILITY ")
    with connect(mailtrap) as imap:
        imap.send(b"a AUTHENTICATE PLAIN\r\n")
        assert imap.line() == b"+ \r\n"
        imap.send(token.encode() + b"\r\n")
        assert imap.line().startswith(b"a OK")
    with connect(mailtrap) as imap:
        imap.send(b"b AUTHENTICATE PLAIN\r\n")
        assert imap.line() == b"+ \r\n"
        imap.send(b"*\r\n")
        assert imap.line().startswith(b"b BAD")
        imap.send(b"c AUTHENTICATE PLAIN\r\n")
        imap.line()
        imap.send(b"not base64!\r\n")
        assert imap.line().startswith(b"c BAD Invalid base64")
        imap.ok("NOOP")


def test_authenticate_login_and_imaplib(mailtrap) -> None:
    client = imaplib.IMAP4(mailtrap.host, mailtrap.imap_port, timeout=TIMEOUT)
    try:
        answers = iter([b"ann@example.com", b"pw"])
        typ, _ = client.authenticate("LOGIN", lambda _challenge: next(answers))
        assert typ == "OK" and client.state == "AUTH"
    finally:
        client.logout()


def test_login_with_literals(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.send(b"a LOGIN {15}\r\n")
        assert imap.line().startswith(b"+ ")
        imap.send(b'ann@example.com {4+}\r\np w"\r\n')
        assert imap.line().startswith(b"a OK")


# -- mailboxes ----------------------------------------------------------------------


def test_unknown_mailboxes_get_no_with_a_code(mailtrap) -> None:
    deliver(mailtrap)
    with connect(mailtrap) as imap:
        imap.login()
        _, tagged = imap.command("SELECT Nowhere")
        assert b" NO [NONEXISTENT] " in tagged
        _, tagged = imap.command("STATUS Nowhere (MESSAGES)")
        assert b" NO [NONEXISTENT] " in tagged
        _, tagged = imap.command("APPEND Nowhere {1+}\r\nx")
        assert b" NO [TRYCREATE] " in tagged
        imap.ok("SELECT INBOX")
        _, tagged = imap.command("COPY 1 Nowhere")
        assert b" NO [TRYCREATE] " in tagged
        _, tagged = imap.command("DELETE INBOX")
        assert status(tagged) == b"NO"


def test_list_shows_special_use_and_children(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("CREATE Projects/2026/Q4")
        lines = imap.ok('LIST "" "*"')
        assert b'* LIST (\\HasNoChildren) "/" INBOX\r\n' in lines
        assert b'* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n' in lines
        assert b'* LIST (\\HasChildren) "/" Projects\r\n' in lines
        assert b'* LIST (\\HasNoChildren) "/" Projects/2026/Q4\r\n' in lines
        assert imap.ok('LIST "" "Projects/%"') == [b'* LIST (\\HasChildren) "/" Projects/2026\r\n']
        assert imap.ok('LIST "" ""') == [b'* LIST (\\Noselect) "/" ""\r\n']
        special = imap.ok('LIST (SPECIAL-USE) "" "*"')
        assert len(special) == 5 and all(b"\\HasNoChildren \\" in line for line in special)
        imap.ok("RENAME Projects Archive/Projects")
        names = b"".join(imap.ok('LIST "" "*"'))
        assert b"Archive/Projects/2026/Q4" in names and b'"/" Projects' not in names


def test_rename_inbox_moves_its_mail_and_leaves_it_empty(mailtrap) -> None:
    deliver(mailtrap)
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("RENAME INBOX Old")
        assert imap.ok("STATUS Old (MESSAGES)") == [b"* STATUS Old (MESSAGES 1)\r\n"]
        assert imap.ok("STATUS INBOX (MESSAGES)") == [b"* STATUS INBOX (MESSAGES 0)\r\n"]


def test_subscriptions(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("CREATE Lists")
        imap.ok("UNSUBSCRIBE Lists")
        assert b"Lists" not in b"".join(imap.ok('LSUB "" "*"'))
        imap.ok("SUBSCRIBE Lists")
        assert b'* LSUB (\\HasNoChildren) "/" Lists\r\n' in imap.ok('LSUB "" "*"')


# -- selected state -------------------------------------------------------------------


def test_select_reports_the_folder_state(mailtrap) -> None:
    deliver(mailtrap, "one")
    deliver(mailtrap, "two")
    with connect(mailtrap) as imap:
        imap.login()
        lines = imap.ok("SELECT INBOX")
        assert b"* 2 EXISTS\r\n" in lines and b"* 2 RECENT\r\n" in lines
        assert b"* OK [UNSEEN 1] First unseen.\r\n" in lines
        assert any(line.startswith(b"* OK [UIDVALIDITY ") for line in lines)
        assert b"* OK [UIDNEXT 3] Predicted next UID\r\n" in lines
        assert lines[0].startswith(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft")
    with connect(mailtrap) as imap:
        imap.login()
        _, tagged = imap.command("EXAMINE INBOX")
        assert b"[READ-ONLY]" in tagged
        # \Recent went to the first session that saw the messages.
        _, tagged = imap.command("STORE 1 +FLAGS (\\Seen)")
        assert tagged.startswith(b"t3 NO")


def test_bad_sequence_sets_get_bad(mailtrap) -> None:
    deliver(mailtrap)
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("SELECT INBOX")
        for spec in ("0", "1:x", "", "5", "1,,2", "-1"):
            _, tagged = imap.command(f"FETCH {spec} FLAGS")
            assert status(tagged) == b"BAD", spec
        # UIDs that do not exist are simply not there (RFC 3501 6.4.8).
        assert imap.ok("UID FETCH 99 FLAGS") == []
        assert imap.ok("UID FETCH 5:* UID") == [b"* 1 FETCH (UID 1)\r\n"]


def test_an_expunge_elsewhere_waits_while_the_client_uses_sequence_numbers(mailtrap) -> None:
    deliver(mailtrap, "one")
    deliver(mailtrap, "two")
    with connect(mailtrap) as reader, connect(mailtrap) as writer:
        reader.login()
        writer.login()
        reader.ok("SELECT INBOX")
        writer.ok("SELECT INBOX")
        writer.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        assert writer.ok("EXPUNGE") == [b"* 1 EXPUNGE\r\n"]
        # FETCH by sequence number: no EXPUNGE may shift the numbers (RFC 3501 7.4.1),
        # but the flag change is reported.
        fetched = reader.ok("FETCH 2 (UID)")
        assert not any(b"EXPUNGE" in line for line in fetched)
        assert b"* 2 FETCH (UID 2)\r\n" in fetched
        # The expunged message was recent to the reader: its RECENT count follows.
        assert reader.ok("NOOP") == [b"* 1 EXPUNGE\r\n", b"* 1 RECENT\r\n"]
        assert reader.ok("FETCH 1 (UID)") == [b"* 1 FETCH (UID 2)\r\n"]


def test_other_sessions_see_new_mail_and_flag_changes(mailtrap) -> None:
    deliver(mailtrap, "one")
    with connect(mailtrap) as first, connect(mailtrap) as second:
        first.login()
        second.login()
        first.ok("SELECT INBOX")
        second.ok("SELECT INBOX")
        second.ok("STORE 1 +FLAGS.SILENT (\\Flagged)")
        deliver(mailtrap, "two")
        updates = first.ok("NOOP")
        assert b"* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))\r\n" in updates
        assert b"* 2 EXISTS\r\n" in updates
        assert first.ok("NOOP") == []


def test_idle_pushes_an_smtp_delivery_without_a_command(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("SELECT INBOX")
        imap.send(b"i1 IDLE\r\n")
        assert imap.line() == b"+ idling\r\n"
        deliver(mailtrap, "wake up")
        # Read with the socket's timeout: the push must come while IDLE waits, with
        # no command from the client (how fast is measured, not asserted: ~10 ms).
        assert imap.line() == b"* 1 EXISTS\r\n"
        assert imap.line() == b"* 1 RECENT\r\n"
        imap.send(b"DONE\r\n")
        assert imap.line() == b"i1 OK Idle completed.\r\n"


def test_idle_ends_with_bad_on_anything_but_done(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.login()
        imap.send(b"i1 IDLE\r\n")
        assert imap.line() == b"+ idling\r\n"
        imap.send(b"NOOP\r\n")
        assert imap.line().startswith(b"i1 BAD")
        imap.ok("NOOP")


def test_condstore_modseq_changedsince_and_unchangedsince(mailtrap) -> None:
    deliver(mailtrap, "one")
    deliver(mailtrap, "two")
    with connect(mailtrap) as imap:
        imap.login()
        lines = imap.ok("SELECT INBOX (CONDSTORE)")
        [highest] = [line for line in lines if line.startswith(b"* OK [HIGHESTMODSEQ ")]
        modseq = int(highest.split()[3].rstrip(b"]"))
        [stored] = imap.ok("STORE 2 +FLAGS (\\Seen)")
        assert stored.startswith(b"* 2 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (")
        changed = imap.ok(f"FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq})")
        assert len(changed) == 1 and changed[0].startswith(b"* 2 FETCH (FLAGS")
        _, tagged = imap.command(f"STORE 1:2 (UNCHANGEDSINCE {modseq}) +FLAGS (\\Flagged)")
        assert tagged.startswith(b"t5 OK [MODIFIED 2]")
        [search] = imap.ok(f"SEARCH MODSEQ {modseq + 1}")
        assert search.startswith(b"* SEARCH 1 2 (MODSEQ ")


def test_move_reports_copyuid_then_expunge(mailtrap) -> None:
    deliver(mailtrap, "one")
    deliver(mailtrap, "two")
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("SELECT INBOX")
        lines = imap.ok("UID MOVE 1:2 Archive")
        assert lines[0].startswith(b"* OK [COPYUID ") and lines[0].endswith(
            b" 1:2 1:2] Moved UIDs.\r\n"
        )
        assert lines[1:] == [b"* 2 EXPUNGE\r\n", b"* 1 EXPUNGE\r\n", b"* 0 RECENT\r\n"]
        assert imap.ok("STATUS Archive (MESSAGES)") == [b"* STATUS Archive (MESSAGES 2)\r\n"]


def test_append_keeps_bytes_flags_and_date(mailtrap) -> None:
    message = b"Subject: draft\r\n\r\nexact  bytes\r\n"
    with connect(mailtrap) as imap:
        imap.login()
        _, tagged = imap.command(
            b'APPEND Drafts (\\Draft $Label) "05-Mar-2026 10:11:12 +0100" {%d+}\r\n' % len(message)
            + message
        )
        assert tagged.startswith(b"t2 OK [APPENDUID ") and tagged.endswith(
            b" 1] Append completed.\r\n"
        )
        imap.ok("SELECT Drafts")
        lines = imap.ok("FETCH 1 (FLAGS INTERNALDATE BODY.PEEK[])")
        assert lines[0].startswith(
            b'* 1 FETCH (FLAGS (\\Draft \\Recent $Label) INTERNALDATE "05-Mar-2026 10:11:12 +0100"'
        )
        assert lines[1] == message


# -- limits and misbehaving clients -----------------------------------------------------


def test_an_overlong_line_gets_bad_and_the_connection_carries_on(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.send(b"a1 NOOP " + b"x" * 100_000 + b"\r\n")
        assert imap.line().startswith(b"a1 BAD [TOOBIG]")
        imap.ok("NOOP")


def test_a_literal_cut_by_a_disconnect_appends_nothing(mailtrap) -> None:
    with connect(mailtrap) as cut:
        cut.login()
        cut.send(b"a APPEND INBOX {1000+}\r\nSubject: half\r\n")
    with connect(mailtrap) as other:
        other.login()
        assert other.ok("STATUS INBOX (MESSAGES)") == [b"* STATUS INBOX (MESSAGES 0)\r\n"]


@pytest.mark.mailtrap(imap_timeout=0.3)
def test_an_idle_client_is_logged_out(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.sock.settimeout(TIMEOUT)
        assert imap.line() == b"* BYE Disconnected for inactivity.\r\n"
        assert imap.line() == b""


def test_a_cleared_store_ends_a_selected_session_with_bye(mailtrap) -> None:
    deliver(mailtrap)
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("SELECT INBOX")
        mailtrap.clear()
        untagged, tagged = imap.command("NOOP")
        assert untagged == [b"* BYE [ALERT] Mailbox was removed or reset.\r\n"]
        assert status(tagged) == b"OK"  # NOOP itself did what it does
        assert imap.line() == b""


def test_server_stop_says_bye_to_open_sessions() -> None:
    server = MailServer(http_port=None)
    server.start()
    try:
        imap = RawIMAP("127.0.0.1", server.imap_port)
        imap.login()
    finally:
        server.stop()
    with imap:
        assert imap.line() == b"* BYE Server shutting down.\r\n"


# -- fault rules ------------------------------------------------------------------------


def test_fault_rules_reach_imap_commands(mailtrap) -> None:
    deliver(mailtrap)
    mailtrap.faults.reject("LOGIN", protocol="imap", text="[UNAVAILABLE] try later", times=1)
    rule = mailtrap.faults.disconnect("FETCH", protocol="imap")
    with connect(mailtrap) as imap:
        _, tagged = imap.command('LOGIN "ann@example.com" x')
        assert tagged == b"t1 NO [UNAVAILABLE] try later\r\n"
        imap.login()
        imap.ok("SELECT INBOX")
        imap.send(b"f FETCH 1 BODY[]\r\n")
        assert imap.line() == b""
    assert rule.fired == 1
    # The dropped FETCH set no \Seen.
    [entry] = mailtrap.store.account("ann@example.com").inbox.entries
    assert entry.flags == frozenset()


def test_a_fault_at_greeting_says_bye(mailtrap) -> None:
    mailtrap.faults.reject("greeting", protocol="imap", text="Too busy")
    with connect(mailtrap) as imap:
        assert imap.greeting == b"* BYE Too busy\r\n"
        assert imap.line() == b""


# -- found by the client tests, checked against Dovecot ------------------------------------


def test_rename_inbox_keeps_sessions_that_have_it_selected(mailtrap) -> None:
    deliver(mailtrap, "one")
    with connect(mailtrap) as renamer, connect(mailtrap) as watcher:
        renamer.login()
        watcher.login()
        lines = renamer.ok("SELECT INBOX")
        watcher.ok("SELECT INBOX")
        validity = next(line for line in lines if b"UIDVALIDITY" in line)
        assert renamer.ok("RENAME INBOX Old") == [b"* 1 EXPUNGE\r\n", b"* 0 RECENT\r\n"]
        assert watcher.ok("NOOP") == [b"* 1 EXPUNGE\r\n"]
        deliver(mailtrap, "two")
        assert renamer.ok("NOOP") == [b"* 1 EXISTS\r\n", b"* 1 RECENT\r\n"]
        assert renamer.ok("FETCH 1 (UID)") == [b"* 1 FETCH (UID 2)\r\n"]
        assert validity in renamer.ok("SELECT INBOX")


def test_copy_of_a_message_expunged_elsewhere_copies_nothing(mailtrap) -> None:
    deliver(mailtrap, "one")
    deliver(mailtrap, "two")
    with connect(mailtrap) as copier, connect(mailtrap) as expunger:
        copier.login()
        expunger.login()
        copier.ok("SELECT INBOX")
        expunger.ok("SELECT INBOX")
        expunger.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
        expunger.ok("EXPUNGE")
        _, tagged = copier.command("COPY 1:2 Archive")
        assert b" NO [EXPUNGEISSUED] " in tagged
        assert copier.ok("STATUS Archive (MESSAGES)") == [b"* STATUS Archive (MESSAGES 0)\r\n"]


def test_status_counts_the_sessions_own_recent_messages(mailtrap) -> None:
    deliver(mailtrap, "one")
    with connect(mailtrap) as imap:
        imap.login()
        assert b"* 1 RECENT\r\n" in imap.ok("SELECT INBOX")
        assert imap.ok("STATUS INBOX (MESSAGES RECENT)") == [
            b"* STATUS INBOX (MESSAGES 1 RECENT 1)\r\n"
        ]


def test_search_finds_a_folded_subject_by_its_unfolded_text(mailtrap) -> None:
    deliver(mailtrap, raw=b"Subject: a very long\r\n subject that is\r\n\tfolded\r\n\r\nx\r\n")
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("SELECT INBOX")
        assert imap.ok('SEARCH SUBJECT "subject that is folded"') == [b"* SEARCH 1\r\n"]


def test_folder_names_are_unicode_in_the_store_and_modified_utf7_on_the_wire(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("CREATE Entw&APw-rfe/&ZeVnLIqe-")
        account = mailtrap.store.account("ann@example.com")
        assert "Entwürfe/日本語" in account.folders
        assert imap.ok('LIST "" "Entw&APw-rfe/*"') == [
            b'* LIST (\\HasNoChildren) "/" Entw&APw-rfe/&ZeVnLIqe-\r\n'
        ]
        imap.ok("SELECT Entw&APw-rfe")


def test_a_delay_rule_slows_one_command_and_keeps_pipelined_answers_in_order(mailtrap) -> None:
    deliver(mailtrap)
    rule = mailtrap.faults.delay("SELECT", seconds=0.3, protocol="imap", match="ann@*")
    with connect(mailtrap) as imap:
        imap.login()
        started = time.monotonic()
        imap.send(b"s SELECT INBOX\r\nn NOOP\r\n")
        select_lines, tagged = imap.until(b"s")
        assert tagged.startswith(b"s OK [READ-WRITE]") and b"* 1 EXISTS\r\n" in select_lines
        assert time.monotonic() - started >= 0.3
        assert imap.until(b"n")[1].startswith(b"n OK")
    assert rule.fired == 1


def test_a_throttle_rule_paces_responses(mailtrap) -> None:
    deliver(mailtrap, body="x" * 3000)
    mailtrap.faults.throttle(2000, stage="FETCH", protocol="imap")
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("SELECT INBOX")
        started = time.monotonic()
        lines = imap.ok("FETCH 1 BODY.PEEK[]")
        # About 3 KB at 2,000 bytes/s: over a second, not the milliseconds it takes.
        assert time.monotonic() - started > 0.8
        assert lines[1].endswith(b"x" * 3000 + b"\r\n")


def test_the_fixture_gives_a_logged_in_imap_client(mailtrap) -> None:
    deliver(mailtrap, "for the fixture")
    with mailtrap.imap("ann@example.com") as imap:
        assert imap.select("INBOX") == ("OK", [b"1"])
        assert imap.search(None, "SUBJECT", '"for the fixture"') == ("OK", [b"1"])
    with mailtrap.imap("ann@example.com", tls=False) as imap:
        assert imap.select("INBOX", readonly=True)[0] == "OK"


@pytest.mark.mailtrap(strict=True, users={"ann@example.com": "secret"})
def test_the_fixture_client_raises_on_a_refused_login(mailtrap) -> None:
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        mailtrap.imap("ann@example.com", "wrong")


def test_deleting_a_folder_with_children_keeps_its_name_as_noselect(mailtrap) -> None:
    with connect(mailtrap) as imap:
        imap.login()
        imap.ok("CREATE Foo/Bar")
        imap.ok("APPEND Foo {12+}\r\nSubject: x\r\n")
        imap.ok("DELETE Foo")  # RFC 3501 6.3.4: allowed; messages go, the name stays
        assert imap.ok('LIST "" "Foo*"') == [
            b'* LIST (\\Noselect \\HasChildren) "/" Foo\r\n',
            b'* LIST (\\HasNoChildren) "/" Foo/Bar\r\n',
        ]
        for command in ("SELECT Foo", "STATUS Foo (MESSAGES)", "DELETE Foo"):
            _, tagged = imap.command(command)
            assert status(tagged) == b"NO", command
        _, tagged = imap.command("APPEND Foo {1+}\r\nx")
        assert b" NO [TRYCREATE] " in tagged
        imap.ok("DELETE Foo/Bar")
        imap.ok("DELETE Foo")  # no children left: now it goes
        assert imap.ok('LIST "" "Foo*"') == []
        imap.ok("CREATE Foo/Baz")
        imap.ok("DELETE Foo")
        imap.ok("CREATE Foo")  # selectable again, empty
        assert b"* 0 EXISTS\r\n" in imap.ok("SELECT Foo")


def test_authenticate_plain_takes_an_authorization_identity_as_pop3_does(mailtrap) -> None:
    # The same SASL code serves POP3 and IMAP: authzid and user compare as accounts.
    token = base64.b64encode(b"Ann@Example.com\0ann@example.com\0pw").decode()
    with connect(mailtrap) as imap:
        _, tagged = imap.command(f"AUTHENTICATE PLAIN {token}")
        assert status(tagged) == b"OK"
    token = base64.b64encode(b"bob@example.com\0ann@example.com\0pw").decode()
    with connect(mailtrap) as imap:
        _, tagged = imap.command(f"AUTHENTICATE PLAIN {token}")
        assert tagged.startswith(b"t1 NO PLAIN: acting as another user")
