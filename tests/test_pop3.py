"""POP3 through real clients: poplib for every command, a raw socket for the bytes.

Mail goes in over SMTP (smtplib), as an app would send it, and comes out over
POP3. Where poplib would hide what is on the wire (it strips line ends, undoes
dot-stuffing and refuses lines over 2048 octets), a raw socket client reads the
exact bytes instead.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import poplib
import re
import select
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mailtrap_py import MailServer, Message
from mailtrap_py.pop3.session import IMPLEMENTATION
from mailtrap_py.store import Change

TIMEOUT = 10
USERS = {"ann@example.com": "secret"}


# -- helpers -----------------------------------------------------------------------


def deliver(mailtrap, raw: bytes, to: str = "ann@example.com") -> None:
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=TIMEOUT) as client:
        assert client.sendmail("app@example.com", [to], raw) == {}


def simple(subject: str, body: str = "Hello.") -> bytes:
    return f"Subject: {subject}\r\nTo: ann@example.com\r\n\r\n{body}\r\n".encode()


@contextmanager
def pop3(
    mailtrap, user: str | None = "ann@example.com", password: str = "any"
) -> Iterator[poplib.POP3]:
    """A poplib client, logged in unless `user` is None; always closed."""
    client = poplib.POP3(mailtrap.host, mailtrap.pop3_port, timeout=TIMEOUT)
    try:
        if user is not None:
            client.user(user)
            client.pass_(password)
        yield client
    finally:
        client.close()


def inbox_subjects(mailtrap, user: str = "ann@example.com") -> list[str | None]:
    account = mailtrap.store.account(user)
    return [entry.message.subject for entry in account.inbox.entries]


def error_text(excinfo: pytest.ExceptionInfo[poplib.error_proto]) -> str:
    return excinfo.value.args[0].decode()


class Wire:
    """A POP3 client that shows the bytes: one line or one multi-line response."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext | None = None) -> None:
        sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.sock: socket.socket = (
            context.wrap_socket(sock, server_hostname=host) if context else sock
        )
        self.buffer = b""
        self.greeting = self.line()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError(f"connection closed; unread: {self.buffer!r}")
        self.buffer += chunk

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def command(self, line: bytes) -> bytes:
        self.send(line + b"\r\n")
        return self.line()

    def multiline(self) -> bytes:
        """The data of a multi-line response, with dot-stuffing undone, CRLFs kept."""
        while True:
            if self.buffer.startswith(b".\r\n"):  # no data lines at all
                self.buffer = self.buffer[3:]
                return b""
            end = self.buffer.find(b"\r\n.\r\n")
            if end >= 0:
                data, self.buffer = self.buffer[: end + 2], self.buffer[end + 5 :]
                return re.sub(rb"(^|\n)\.", rb"\1", data)
            self._fill()

    def at_eof(self) -> bool:
        try:
            self._fill()
        except EOFError:
            return True
        return False

    def close(self) -> None:
        self.sock.close()


@contextmanager
def wire(mailtrap, *, tls: bool = False) -> Iterator[Wire]:
    port = mailtrap.pop3s_port if tls else mailtrap.pop3_port
    client = Wire(mailtrap.host, port, mailtrap.client_ssl_context() if tls else None)
    try:
        yield client
    finally:
        client.close()


# -- greeting and capabilities -----------------------------------------------------


def test_greeting_carries_an_apop_timestamp_that_changes(mailtrap):
    stamps = set()
    for _ in range(3):
        with pop3(mailtrap, user=None) as client:
            welcome = client.getwelcome().decode()
            assert welcome.startswith("+OK mailtrap-py ready.")
            stamp = re.search(r"<\d+\.\d+\.\d+@localhost>$", welcome)
            assert stamp, welcome
            stamps.add(stamp.group())
            client.quit()
    assert len(stamps) == 3  # RFC 1939 section 7: a new timestamp every greeting


EXPECTED_CAPA = {
    "TOP": [],
    "USER": [],
    "UIDL": [],
    "SASL": ["PLAIN", "LOGIN", "CRAM-MD5"],
    "RESP-CODES": [],
    "AUTH-RESP-CODE": [],
    "PIPELINING": [],
    "IMPLEMENTATION": IMPLEMENTATION.split(),
}


def test_capa_lists_what_the_session_implements(mailtrap):
    with pop3(mailtrap, user=None) as client:
        assert client.capa() == {**EXPECTED_CAPA, "STLS": []}
        client.user("ann@example.com")
        client.pass_("x")
        # USER, AUTH and STLS are AUTHORIZATION commands: not offered once logged
        # in (as Dovecot does).
        after_login = {k: v for k, v in EXPECTED_CAPA.items() if k not in ("USER", "SASL")}
        assert client.capa() == after_login
        client.quit()


def test_capa_on_pop3s_does_not_offer_stls(mailtrap):
    client = poplib.POP3_SSL(
        mailtrap.host, mailtrap.pop3s_port, context=mailtrap.client_ssl_context(), timeout=TIMEOUT
    )
    try:
        assert client.capa() == EXPECTED_CAPA
        assert client.getwelcome().startswith(b"+OK mailtrap-py ready.")
        client.quit()
    finally:
        client.close()


# -- the transaction commands ------------------------------------------------------


def test_stat_list_uidl_retr_top_noop_over_poplib(mailtrap):
    first = simple("first", "one\r\ntwo\r\nthree")
    second = simple("second")
    deliver(mailtrap, first)
    deliver(mailtrap, second)
    folder = mailtrap.store.account("ann@example.com").inbox
    uids = [f"{e.uid:08X}{folder.uidvalidity:08X}" for e in folder.entries]

    with pop3(mailtrap) as client:
        assert client.stat() == (2, len(first) + len(second))
        response, listing, _ = client.list()
        assert response == f"+OK 2 messages ({len(first) + len(second)} octets)".encode()
        assert listing == [f"1 {len(first)}".encode(), f"2 {len(second)}".encode()]
        assert client.list(2) == f"+OK 2 {len(second)}".encode()
        assert client.uidl()[1] == [f"1 {uids[0]}".encode(), f"2 {uids[1]}".encode()]
        assert client.uidl(1) == f"+OK 1 {uids[0]}".encode()
        response, lines, _octets = client.retr(1)
        assert response == f"+OK {len(first)} octets".encode()
        assert b"\r\n".join(lines) + b"\r\n" == first
        # TOP: the header, the empty line, then n lines of the body.
        assert client.top(1, 2)[1] == [
            b"Subject: first",
            b"To: ann@example.com",
            b"",
            b"one",
            b"two",
        ]
        assert client.top(1, 0)[1] == [b"Subject: first", b"To: ann@example.com", b""]
        assert b"\r\n".join(client.top(1, 99)[1]) + b"\r\n" == first
        assert client.noop() == b"+OK"
        assert client.quit().startswith(b"+OK")


def test_dele_then_quit_removes_from_the_maildrop_only(mailtrap):
    for subject in ("a", "b", "c"):
        deliver(mailtrap, simple(subject))
    with pop3(mailtrap) as client:
        assert client.dele(2) == b"+OK Message 2 deleted."
        # Deleted messages are out of STAT and LIST but keep their numbers.
        assert client.stat()[0] == 2
        assert client.list()[1][0].startswith(b"1 ")
        assert client.list()[1][1].startswith(b"3 ")
        assert inbox_subjects(mailtrap) == ["a", "b", "c"]  # nothing removed before QUIT
        assert client.quit() == b"+OK Logging out, 1 messages deleted."
    assert inbox_subjects(mailtrap) == ["a", "c"]
    # The capture log keeps every message; only the account's INBOX lost one.
    assert [m.subject for m in mailtrap.messages] == ["a", "b", "c"]
    with pop3(mailtrap) as client:
        assert client.stat()[0] == 2
        assert b"Subject: c" in client.retr(2)[1]
        client.quit()


def test_quit_publishes_an_expunged_change(mailtrap):
    deliver(mailtrap, simple("gone"))
    changes: list[Change] = []
    unsubscribe = mailtrap.store.subscribe(changes.append)
    try:
        with pop3(mailtrap) as client:
            client.dele(1)
            client.quit()
    finally:
        unsubscribe()
    [change] = [c for c in changes if c.kind == "expunged"]
    assert [m.subject for m in change.messages] == ["gone"]
    assert (change.account, change.folder) == ("ann@example.com", "INBOX")


def test_dropped_connection_removes_nothing(mailtrap):
    deliver(mailtrap, simple("keep me"))
    client = poplib.POP3(mailtrap.host, mailtrap.pop3_port, timeout=TIMEOUT)
    client.user("ann@example.com")
    client.pass_("x")
    client.dele(1)
    client.close()  # no QUIT: RFC 1939 section 6, no UPDATE state
    assert mailtrap.server.pop3_locks.wait_released("ann@example.com", TIMEOUT)
    assert inbox_subjects(mailtrap) == ["keep me"]
    with pop3(mailtrap) as again:
        assert again.stat()[0] == 1
        again.quit()


def test_rset_unmarks_deleted_messages(mailtrap):
    deliver(mailtrap, simple("a"))
    deliver(mailtrap, simple("b"))
    with pop3(mailtrap) as client:
        client.dele(1)
        client.dele(2)
        assert client.stat() == (0, 0)
        total = sum(len(simple(s)) for s in "ab")
        assert client.rset() == f"+OK Maildrop has 2 messages ({total} octets).".encode()
        assert client.stat() == (2, total)
        assert client.quit() == b"+OK Logging out."
    assert inbox_subjects(mailtrap) == ["a", "b"]


def test_uidl_is_stable_across_sessions_and_deletions(mailtrap):
    for subject in ("a", "b", "c"):
        deliver(mailtrap, simple(subject))
    with pop3(mailtrap) as client:
        before = dict(line.decode().split() for line in client.uidl()[1])
        client.dele(1)
        client.quit()
    deliver(mailtrap, simple("d"))
    with pop3(mailtrap) as client:
        after = dict(line.decode().split() for line in client.uidl()[1])
        client.quit()
    # Message numbers shift after a deletion; unique ids do not.
    assert [after["1"], after["2"]] == [before["2"], before["3"]]
    assert after["3"] not in before.values()
    assert len(set(after.values())) == 3
    # The value is Dovecot's default %08Xu%08Xv: the IMAP UID and UIDVALIDITY.
    folder = mailtrap.store.account("ann@example.com").inbox
    assert after["3"] == f"{folder.entries[-1].uid:08X}{folder.uidvalidity:08X}"


def test_snapshot_at_login_ignores_later_arrivals(mailtrap):
    deliver(mailtrap, simple("early"))
    with pop3(mailtrap) as client:
        deliver(mailtrap, simple("late"))
        assert client.stat()[0] == 1
        with pytest.raises(poplib.error_proto, match="No such message"):
            client.retr(2)
        client.quit()
    with pop3(mailtrap) as client:
        assert client.stat()[0] == 2
        client.quit()


def test_message_deleted_through_the_api_is_still_served_to_an_open_session(mailtrap):
    deliver(mailtrap, simple("doomed"))
    with pop3(mailtrap) as client:
        mailtrap.store.delete([mailtrap.messages[0].id])
        assert b"Subject: doomed" in client.retr(1)[1]
        client.dele(1)
        assert client.quit().startswith(b"+OK")  # removing what is gone is no error


def test_each_recipient_has_a_maildrop_and_the_catchall_sees_everything():
    with MailServer(catchall_login="all@local") as server:
        with smtplib.SMTP(server.host, server.smtp_port) as smtp:
            smtp.sendmail("a@x", ["ann@example.com"], simple("to ann"))
            smtp.sendmail("a@x", ["bob@example.com"], simple("to bob"))

        def subjects(user: str) -> list[bytes]:
            client = poplib.POP3(server.host, server.pop3_port, timeout=TIMEOUT)
            try:
                client.user(user)
                client.pass_("x")
                count = client.stat()[0]
                found = [client.top(n, 0)[1][0] for n in range(1, count + 1)]
                client.quit()
                return found
            finally:
                client.close()

        assert subjects("ann@example.com") == [b"Subject: to ann"]
        assert subjects("bob@example.com") == [b"Subject: to bob"]
        assert subjects("all@local") == [b"Subject: to ann", b"Subject: to bob"]
        assert subjects("nobody@example.com") == []


# -- byte-exact retrieval ----------------------------------------------------------

TRICKY = {
    "dot lines": (b"Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\n...three\r\nend .\r\n. \r\n"),
    "8-bit": "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nGrüße, 日本語 \xa0\r\n".encode(),
    "long lines": b"Subject: long\r\n\r\n" + b"x" * 5000 + b"\r\n" + b"y" * 70000 + b"\r\n",
    "empty body": b"Subject: empty\r\n\r\n",
    "trailing blank lines": b"Subject: blanks\r\n\r\nbody\r\n\r\n\r\n",
}


@pytest.mark.parametrize("name", list(TRICKY))
def test_retr_returns_the_captured_bytes_exactly(mailtrap, name):
    raw = TRICKY[name]
    deliver(mailtrap, raw)
    assert mailtrap.messages[0].raw == raw
    with wire(mailtrap) as client:
        assert client.command(b"USER ann@example.com").startswith(b"+OK")
        assert client.command(b"PASS x").startswith(b"+OK")
        assert client.command(b"RETR 1") == f"+OK {len(raw)} octets".encode()
        assert client.multiline() == raw
        assert client.command(b"LIST 1") == f"+OK 1 {len(raw)}".encode()
        assert client.command(b"QUIT").startswith(b"+OK")


def test_retr_dot_stuffs_on_the_wire(mailtrap):
    raw = b"Subject: s\r\n\r\n.\r\n..x\r\n"
    deliver(mailtrap, raw)
    with wire(mailtrap) as client:
        client.command(b"USER ann@example.com")
        client.command(b"PASS x")
        client.send(b"RETR 1\r\n")
        while not client.buffer.endswith(b"\r\n.\r\n"):
            client._fill()
    assert client.buffer == (
        f"+OK {len(raw)} octets\r\n".encode() + b"Subject: s\r\n\r\n..\r\n...x\r\n.\r\n"
    )


@pytest.mark.parametrize(
    "raw",
    [b"Subject: no final newline\r\n\r\nlast line", b"Subject: bare\n\nLF only\n.dot\n"],
    ids=["no final CRLF", "bare LF"],
)
def test_stored_messages_with_odd_line_ends_come_back_intact(mailtrap, raw):
    # Not possible over SMTP (DATA always ends a message with CRLF), but a message
    # put into the store directly must still come out whole and well-terminated.
    mailtrap.store.deliver(Message(raw, sender="a@x", recipients=["ann@example.com"]))
    with wire(mailtrap) as client:
        client.command(b"USER ann@example.com")
        client.command(b"PASS x")
        assert client.command(b"RETR 1") == f"+OK {len(raw)} octets".encode()
        data = client.multiline()
    assert data in (raw, raw + b"\r\n")
    assert data.startswith(raw)


# -- logins ------------------------------------------------------------------------


def test_any_password_for_any_user_by_default(mailtrap):
    with pop3(mailtrap, "someone@example.org", "whatever") as client:
        assert client.stat() == (0, 0)
        client.quit()


@pytest.mark.mailtrap(users=USERS)
def test_declared_users_need_their_password(mailtrap):
    with pop3(mailtrap, user=None) as client:
        client.user("ann@example.com")
        with pytest.raises(poplib.error_proto) as refused:
            client.pass_("wrong")
        assert error_text(refused).startswith("-ERR [AUTH] ")
        # A refused login leaves the session in AUTHORIZATION: try again.
        client.user("ANN@example.com")  # addresses are case-insensitive
        assert client.pass_("secret").startswith(b"+OK Logged in")
        client.quit()


@pytest.mark.mailtrap(users=USERS, strict=True)
def test_strict_mode_refuses_undeclared_users(mailtrap):
    with pop3(mailtrap, user=None) as client:
        client.user("mallory@example.com")
        with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
            client.pass_("secret")
        with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
            client.apop("mallory@example.com", "secret")
        client.quit()


@pytest.mark.mailtrap(users=USERS)
def test_apop_with_a_declared_user(mailtrap):
    with pop3(mailtrap, user=None) as client:
        with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
            client.apop("ann@example.com", "wrong")
        assert client.apop("ann@example.com", "secret").startswith(b"+OK")
        client.quit()


@pytest.mark.mailtrap(users={"bob@example.com": "pw"})
def test_apop_digest_is_md5_of_the_greeting_timestamp(mailtrap):
    # An undeclared user in catch-all mode gets in with any digest; check the
    # digest by hand for a declared one.
    with wire(mailtrap) as client:
        stamp = re.search(rb"<[^>]+>", client.greeting).group()
        digest = hashlib.md5(stamp + b"pw").hexdigest().encode()
        assert client.command(b"APOP bob@example.com " + digest).startswith(b"+OK")
    with wire(mailtrap) as client:
        assert client.command(b"APOP anyone@example.com 0123").startswith(b"+OK")
    with wire(mailtrap) as client:
        assert client.command(b"APOP bob@example.com").startswith(b"-ERR")


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


@pytest.mark.mailtrap(users=USERS, strict=True)
class TestAuth:
    """RFC 5034 AUTH, raw through poplib (it has no helper for it)."""

    def test_plain_with_initial_response(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            response = client._shortcmd("AUTH PLAIN " + b64(b"\0ann@example.com\0secret").decode())
            assert response.startswith(b"+OK Logged in")
            assert client.stat() == (0, 0)
            client.quit()

    def test_plain_with_a_challenge(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            client._putcmd("AUTH PLAIN")
            assert client._getline()[0] == b"+ "
            response = client._shortcmd(b64(b"ann@example.com\0ann@example.com\0secret").decode())
            assert response.startswith(b"+OK")
            client.quit()

    def test_plain_wrong_password(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
                client._shortcmd("AUTH PLAIN " + b64(b"\0ann@example.com\0nope").decode())
            client.quit()

    def test_login(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            client._putcmd("AUTH LOGIN")
            assert client._getline()[0] == b"+ " + b64(b"Username:")
            client._putcmd(b64(b"ann@example.com").decode())
            assert client._getline()[0] == b"+ " + b64(b"Password:")
            assert client._shortcmd(b64(b"secret").decode()).startswith(b"+OK")
            client.quit()

    def test_login_with_initial_response(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            client._putcmd("AUTH LOGIN " + b64(b"ann@example.com").decode())
            assert client._getline()[0] == b"+ " + b64(b"Password:")
            with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
                client._shortcmd(b64(b"wrong").decode())
            client.quit()

    def test_cram_md5(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            client._putcmd("AUTH CRAM-MD5")
            line = client._getline()[0]
            assert line.startswith(b"+ ")
            challenge = base64.b64decode(line[2:])
            assert re.fullmatch(rb"<\d+\.\d+@localhost>", challenge)
            digest = hmac.new(b"secret", challenge, "md5").hexdigest()
            answer = b64(f"ann@example.com {digest}".encode()).decode()
            assert client._shortcmd(answer).startswith(b"+OK")
            client.quit()

    def test_cram_md5_wrong_digest(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            client._putcmd("AUTH CRAM-MD5")
            client._getline()
            with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
                client._shortcmd(b64(b"ann@example.com " + b"0" * 32).decode())
            client.quit()

    def test_star_cancels(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            client._putcmd("AUTH LOGIN")
            client._getline()
            with pytest.raises(poplib.error_proto, match="cancelled"):
                client._shortcmd("*")
            # Still in AUTHORIZATION, and a new login works.
            client.user("ann@example.com")
            assert client.pass_("secret").startswith(b"+OK")
            client.quit()

    def test_bare_auth_lists_mechanisms(self, mailtrap):
        with pop3(mailtrap, user=None) as client:
            assert client._longcmd("AUTH")[1] == [b"PLAIN", b"LOGIN", b"CRAM-MD5"]
            client.quit()

    @pytest.mark.parametrize(
        ("command", "reason"),
        [
            ("AUTH GSSAPI", "Unsupported mechanism"),
            ("AUTH PLAIN !!notbase64", "not base64"),
            ("AUTH PLAIN " + b64(b"no nuls here").decode(), "PLAIN response"),
            ("AUTH PLAIN " + b64(b"bob\0ann@example.com\0secret").decode(), "another user"),
            ("AUTH CRAM-MD5 " + b64(b"x").decode(), "no initial response"),
            ("AUTH PLAIN a b", "mechanism and an optional"),
        ],
    )
    def test_bad_auth(self, mailtrap, command, reason):
        with pop3(mailtrap, user=None) as client:
            with pytest.raises(poplib.error_proto, match=reason):
                client._shortcmd(command)
            client.quit()


def test_auth_any_password_in_catch_all_mode(mailtrap):
    with pop3(mailtrap, user=None) as client:
        client._putcmd("AUTH CRAM-MD5")
        client._getline()
        assert client._shortcmd(b64(b"who@example.com " + b"0" * 32).decode()).startswith(b"+OK")
        client.quit()


# -- TLS -------------------------------------------------------------------------------


def test_stls_verifies_against_the_exposed_ca(mailtrap):
    deliver(mailtrap, simple("secret stuff"))
    context = ssl.create_default_context(cafile=str(mailtrap.ca_path))
    with pop3(mailtrap, user=None) as client:
        assert client.stls(context) == b"+OK Begin TLS negotiation now."
        assert isinstance(client.sock, ssl.SSLSocket)
        assert "STLS" not in client.capa()
        with pytest.raises(poplib.error_proto, match="TLS is already active"):
            client._shortcmd("STLS")
        client.user("ann@example.com")
        client.pass_("x")
        assert b"Subject: secret stuff" in client.retr(1)[1]
        client.quit()


def test_stls_without_the_ca_fails_verification(mailtrap):
    client = poplib.POP3(mailtrap.host, mailtrap.pop3_port, timeout=TIMEOUT)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            client.stls(ssl.create_default_context())
    finally:
        # The failed wrap detached poplib's socket, so poplib's close() would
        # raise EBADF: close its pieces directly.
        client.file.close()
        client.sock.close()


def test_stls_after_login_is_refused(mailtrap):
    with pop3(mailtrap) as client:
        with pytest.raises(poplib.error_proto, match="not valid in the TRANSACTION state"):
            client._shortcmd("STLS")
        client.quit()


def test_stls_drops_commands_pipelined_before_the_handshake(mailtrap):
    # RFC 2595 section 4: anything sent in the clear after STLS must not be
    # carried into the TLS session (the STARTTLS command-injection attack).
    with wire(mailtrap) as client:
        client.send(b"STLS\r\nUSER ann@example.com\r\nPASS x\r\n")
        assert client.line() == b"+OK Begin TLS negotiation now."
        assert client.buffer == b""
        client.sock = mailtrap.client_ssl_context().wrap_socket(
            client.sock, server_hostname="localhost"
        )
        # Had the injected USER/PASS been run, this would be TRANSACTION.
        assert client.command(b"STAT").startswith(b"-ERR STAT is not valid in the AUTHORIZATION")


def test_command_sent_with_the_tls_finished_message_is_answered(mailtrap):
    # A TLS 1.3 client may send its first command in the same segment as its
    # Finished message (curl does). The server's TLS layer then has that command
    # before the STLS upgrade has returned; it must still be answered, once.
    with wire(mailtrap) as c:
        assert c.command(b"STLS").startswith(b"+OK")
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = mailtrap.client_ssl_context().wrap_bio(
            incoming, outgoing, server_hostname="localhost"
        )
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                c.sock.sendall(outgoing.read())
                incoming.write(c.sock.recv(65536))
        tls.write(b"CAPA\r\n")
        c.sock.sendall(outgoing.read())  # Finished and CAPA together
        answer = b""
        while b"\r\n.\r\n" not in answer:
            try:
                answer += tls.read(65536)
            except ssl.SSLWantReadError:
                incoming.write(c.sock.recv(65536))
    assert answer.startswith(b"+OK Capability list follows\r\n")
    assert b"STLS" not in answer
    assert answer.endswith(b"\r\n.\r\n") and answer.count(b"+OK") == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_pop3s_verified(mailtrap, host):
    deliver(mailtrap, simple("over pop3s"))
    client = poplib.POP3_SSL(
        host, mailtrap.pop3s_port, context=mailtrap.client_ssl_context(), timeout=TIMEOUT
    )
    try:
        client.user("ann@example.com")
        client.pass_("x")
        assert b"Subject: over pop3s" in client.retr(1)[1]
        client.quit()
    finally:
        client.close()


def test_pop3s_without_the_ca_fails_verification(mailtrap):
    with pytest.raises(ssl.SSLCertVerificationError):
        poplib.POP3_SSL(
            mailtrap.host,
            mailtrap.pop3s_port,
            context=ssl.create_default_context(),
            timeout=TIMEOUT,
        )


# -- locking -----------------------------------------------------------------------


def test_second_login_to_a_locked_maildrop_gets_in_use(mailtrap):
    with pop3(mailtrap) as first:
        with pop3(mailtrap, user=None) as second:
            second.user("ann@example.com")
            with pytest.raises(poplib.error_proto) as refused:
                second.pass_("x")
            assert error_text(refused).startswith("-ERR [IN-USE] ")
            # Another maildrop is not locked.
            second.user("bob@example.com")
            assert second.pass_("x").startswith(b"+OK")
            second.quit()
        # The POP3S port shares the lock.
        tls = poplib.POP3_SSL(
            mailtrap.host, mailtrap.pop3s_port, context=mailtrap.client_ssl_context()
        )
        try:
            with pytest.raises(poplib.error_proto, match=r"\[IN-USE\]"):
                tls.apop("ann@example.com", "x")
            tls.quit()
        finally:
            tls.close()
        first.quit()
    # QUIT released it.
    with pop3(mailtrap) as third:
        third.quit()


def test_a_dropped_connection_releases_the_lock(mailtrap):
    client = poplib.POP3(mailtrap.host, mailtrap.pop3_port, timeout=TIMEOUT)
    client.user("ann@example.com")
    client.pass_("x")
    client.close()
    assert mailtrap.server.pop3_locks.wait_released("ann@example.com", TIMEOUT)
    with pop3(mailtrap) as again:
        again.quit()


# -- errors: the session carries on --------------------------------------------------


def test_bad_commands_get_err_and_the_session_carries_on(mailtrap):
    deliver(mailtrap, simple("a"))
    with wire(mailtrap) as c:
        assert c.command(b"STAT") == b"-ERR STAT is not valid in the AUTHORIZATION state."
        assert c.command(b"NOOP").startswith(b"-ERR NOOP is not valid")
        assert c.command(b"PASS x") == b"-ERR No user name: send USER first."
        assert c.command(b"USER") == b"-ERR USER needs a name."
        assert c.command(b"XYZZY") == b"-ERR Unknown command: XYZZY"
        assert c.command(b"\xff\xfe\x00junk") == b"-ERR Unknown command: (junk)"
        assert c.command(b"") == b"-ERR Empty command."
        assert c.command(b"x" * 1100).startswith(b"-ERR Line too long")
        assert c.command(b"USER " + b"a" * 1000).startswith(b"+OK")  # lenient below 1 KiB
        assert c.command(b"y" * 20000).startswith(b"-ERR Line too long")
        assert c.command(b"user ann@example.com").startswith(b"+OK")  # case-insensitive
        assert c.command(b"pass x").startswith(b"+OK Logged in")
        assert c.command(b"USER bob").startswith(b"-ERR USER is not valid in the TRANSACTION")
        for command, reason in [
            (b"RETR", b"-ERR RETR takes one message number."),
            (b"RETR 0", b"-ERR No such message: 0; there are 1."),
            (b"RETR 2", b"-ERR No such message: 2; there are 1."),
            (b"RETR -1", b"-ERR Not a message number: '-1'."),
            (b"RETR one", b"-ERR Not a message number: 'one'."),
            (b"RETR 99999999999999999999", b"-ERR No such message: 99999999999999999999"),
            (b"LIST 1 2", b"-ERR LIST takes at most one message number."),
            (b"TOP 1", b"-ERR TOP takes a message number and a line count."),
            (b"TOP 1 x", b"-ERR Not a line count: 'x'."),
            (b"STAT 1", b"-ERR STAT takes no argument."),
            (b"UIDL x", b"-ERR Not a message number: 'x'."),
        ]:
            assert c.command(command).startswith(reason), command
        assert c.command(b"DELE 1") == b"+OK Message 1 deleted."
        for command in (b"DELE 1", b"RETR 1", b"LIST 1", b"TOP 1 0", b"UIDL 1"):
            assert c.command(command) == b"-ERR Message 1 is deleted.", command
        assert c.command(b"NOOP") == b"+OK"
        assert c.command(b"RSET").startswith(b"+OK")
        assert c.command(b"QUIT") == b"+OK Logging out."
        assert c.at_eof()
    assert inbox_subjects(mailtrap) == ["a"]


def test_pipelined_commands_are_answered_in_order(mailtrap):
    deliver(mailtrap, simple("a"))
    deliver(mailtrap, simple("b"))
    with wire(mailtrap) as c:
        c.send(b"USER ann@example.com\r\nPASS x\r\nSTAT\r\nLIST\r\nBOGUS\r\nRETR 2\r\nQUIT\r\n")
        assert c.line().startswith(b"+OK")
        assert c.line().startswith(b"+OK Logged in")
        assert c.line().startswith(b"+OK 2 ")
        assert c.line().startswith(b"+OK 2 messages")
        assert c.multiline().count(b"\r\n") == 2
        assert c.line() == b"-ERR Unknown command: BOGUS"
        assert c.line().startswith(b"+OK")
        assert c.multiline() == simple("b")
        assert c.line() == b"+OK Logging out."
        assert c.at_eof()


def test_a_client_that_does_not_read_gets_everything_once_it_does(mailtrap):
    # 100 pipelined RETRs of a 100 KB message are 10 MB of responses: the server
    # stops reading commands while the client is not reading (flow control), then
    # goes on. Every response must arrive, whole and in order.
    raw = b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 100
    deliver(mailtrap, raw)
    count = 100
    with wire(mailtrap) as c:
        c.command(b"USER ann@example.com")
        c.command(b"PASS x")
        c.sock.setblocking(False)
        pending = b"RETR 1\r\n" * count + b"QUIT\r\n"
        received = bytearray()
        while pending:
            readable, writable, _ = select.select([c.sock], [c.sock], [], TIMEOUT)
            assert readable or writable, "the server stopped both reading and writing"
            if readable:  # drain responses so the server reads commands again
                received += c.sock.recv(1 << 20)
            if writable:
                with contextlib.suppress(BlockingIOError):
                    pending = pending[c.sock.send(pending) :]
        c.sock.setblocking(True)
        c.buffer = bytes(received)
        for _ in range(count):
            assert c.line() == f"+OK {len(raw)} octets".encode()
            assert c.multiline() == raw
        assert c.line() == b"+OK Logging out."


def test_bare_lf_line_ends_are_accepted(mailtrap):
    with wire(mailtrap) as c:
        c.send(b"USER ann@example.com\nPASS x\nSTAT\n")
        assert c.line().startswith(b"+OK")
        assert c.line().startswith(b"+OK Logged in")
        assert c.line() == b"+OK 0 0"


@pytest.mark.mailtrap(pop3_timeout=0.5)
def test_idle_connection_is_closed_with_a_reason(mailtrap):
    deliver(mailtrap, simple("kept"))
    with wire(mailtrap) as c:
        # One write, so a slow test machine cannot open a gap the timer sees.
        c.send(b"USER ann@example.com\r\nPASS x\r\nDELE 1\r\n")
        assert [c.line()[:3] for _ in range(3)] == [b"+OK"] * 3
        # Now say nothing: the server speaks last, then hangs up.
        assert c.line() == b"-ERR Disconnected for inactivity."
        assert c.at_eof()
    # A timeout is not a QUIT: nothing is removed, and the lock is gone.
    assert mailtrap.server.pop3_locks.wait_released("ann@example.com", TIMEOUT)
    assert inbox_subjects(mailtrap) == ["kept"]


def test_server_stop_closes_open_pop3_connections():
    server = MailServer(smtps_port=None).start()
    client = poplib.POP3(server.host, server.pop3_port, timeout=TIMEOUT)
    tls = poplib.POP3_SSL(server.host, server.pop3s_port, context=server.client_ssl_context())
    try:
        client.user("ann@example.com")
        client.pass_("x")
        tls.user("bob@example.com")
        tls.pass_("x")
        server.stop()
        with pytest.raises((poplib.error_proto, OSError, EOFError)):
            client.stat()
        with pytest.raises((poplib.error_proto, OSError, EOFError)):
            tls.stat()
    finally:
        client.close()
        tls.close()
    assert not server.running
