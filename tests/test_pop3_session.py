"""The POP3 parser and session without sockets: unit tests and hypothesis.

The session is sans-IO, so these drive it with bytes and read its responses:
no server, no event loop.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtrap_py import Message, Store
from mailtrap_py.pop3.parser import (
    MAX_LINE_LENGTH,
    MAX_SASL_LINE_LENGTH,
    LineReader,
    OverlongLine,
    parse_command,
)
from mailtrap_py.pop3.session import MaildropLocks, Session, dot_stuff, top
from mailtrap_py.pop3.states import KNOWN, LEGAL, State


def new_session(store: Store | None = None, **kw) -> Session:
    return Session(store or Store(), MaildropLocks(), **kw)


def store_with(*raws: bytes, to: str = "ann@example.com") -> Store:
    store = Store()
    for raw in raws:
        store.deliver(Message(raw, sender="a@x", recipients=[to]))
    return store


def talk(session: Session, *lines: bytes) -> list[bytes]:
    return session.receive_data(b"".join(line + b"\r\n" for line in lines))


# -- parser ---------------------------------------------------------------------------


def test_reader_splits_on_crlf_and_bare_lf_across_chunks():
    reader = LineReader()
    assert reader.feed(b"US") == []
    assert reader.feed(b"ER a\r") == []
    assert reader.feed(b"\nPASS b\nNOOP\r\nST") == [b"USER a", b"PASS b", b"NOOP"]
    assert reader.feed(b"AT\r\n") == [b"STAT"]


def test_reader_reports_an_overlong_line_once_and_carries_on():
    reader = LineReader(max_line_length=10)
    out = reader.feed(b"x" * 25)
    assert out == []
    assert reader.buffered < 10  # bounded memory while the line goes on
    assert reader.feed(b"yyy\r\nNOOP\r\n") == [OverlongLine(30), b"NOOP"]


def test_parse_command_upper_cases_the_keyword_and_keeps_the_argument():
    command = parse_command(b"pass  two  spaces ")
    assert command.name == "PASS"
    assert command.argument == " two  spaces "
    assert command.arguments == ["two", "spaces"]
    assert parse_command(b"\xff\xfe").name == "\ufffd\ufffd"


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_reader_loses_no_line_whatever_the_chunking(chunks):
    data = b"".join(chunks)
    reader = LineReader(max_line_length=MAX_SASL_LINE_LENGTH)
    got: list[bytes | OverlongLine] = []
    for chunk in chunks:
        got.extend(reader.feed(chunk))
    complete = data.split(b"\n")[:-1]  # the part after the last LF is still buffered
    assert got == [line[:-1] if line.endswith(b"\r") else line for line in complete]


@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=600))
def test_reader_never_buffers_more_than_its_limit(data, limit):
    reader = LineReader(max_line_length=limit)
    for line in reader.feed(data):
        if isinstance(line, bytes):
            assert len(line) < limit
    assert reader.buffered < limit


# -- state table ------------------------------------------------------------------------


def test_state_table_matches_rfc_1939():
    assert LEGAL[State.AUTHORIZATION] == {"USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "QUIT"}
    assert "STAT" not in LEGAL[State.AUTHORIZATION]
    assert "STLS" not in LEGAL[State.TRANSACTION]
    assert LEGAL[State.UPDATE] == frozenset()
    assert "NOOP" in KNOWN


def test_every_known_command_outside_its_states_is_refused_without_effect():
    session = new_session(store_with(b"Subject: a\r\n\r\nx\r\n"))
    for name in sorted(KNOWN - LEGAL[State.AUTHORIZATION]):
        [response] = talk(session, name.encode() + b" 1")
        assert response == f"-ERR {name} is not valid in the AUTHORIZATION state.\r\n".encode()
    assert session.state is State.AUTHORIZATION
    talk(session, b"USER ann@example.com", b"PASS x")
    for name in sorted(KNOWN - LEGAL[State.TRANSACTION]):
        [response] = talk(session, name.encode())
        assert response.startswith(f"-ERR {name} is not valid in the TRANSACTION".encode())
    assert session.state is State.TRANSACTION


# -- the session --------------------------------------------------------------------------


def test_session_walks_through_login_and_quit():
    store = store_with(b"Subject: a\r\n\r\n.x\r\n", b"Subject: b\r\n\r\ny\r\n")
    session = new_session(store)
    assert session.greeting().startswith(b"+OK mailtrap-py ready. <")
    responses = talk(session, b"USER ann@example.com", b"PASS pw", b"STAT", b"RETR 1", b"DELE 2")
    assert responses == [
        b"+OK Send PASS.\r\n",
        b"+OK Logged in: 2 messages (35 octets).\r\n",
        b"+OK 2 35\r\n",
        b"+OK 18 octets\r\nSubject: a\r\n\r\n..x\r\n.\r\n",
        b"+OK Message 2 deleted.\r\n",
    ]
    assert talk(session, b"QUIT", b"NOOP") == [b"+OK Logging out, 1 messages deleted.\r\n"]
    assert session.closed and session.state is State.UPDATE
    assert talk(session, b"NOOP") == []
    assert [e.message.subject for e in store.account("ann@example.com").inbox.entries] == ["a"]


def test_a_lost_connection_releases_the_lock_and_removes_nothing():
    store = store_with(b"Subject: a\r\n\r\nx\r\n")
    locks = MaildropLocks()
    session = Session(store, locks)
    talk(session, b"USER Ann@Example.com", b"PASS pw", b"DELE 1")
    assert "ann@example.com" in locks
    other = Session(store, locks)
    assert talk(other, b"USER ann@example.com", b"PASS pw")[1].startswith(b"-ERR [IN-USE]")
    session.connection_lost()
    assert "ann@example.com" not in locks
    assert len(store.account("ann@example.com").inbox.entries) == 1
    assert talk(other, b"USER ann@example.com", b"PASS pw")[1].startswith(b"+OK")


def test_quit_after_a_clear_removes_nothing_from_the_new_folder():
    store = store_with(b"Subject: old\r\n\r\nx\r\n")
    session = new_session(store)
    talk(session, b"USER ann@example.com", b"PASS pw", b"DELE 1")
    store.clear()
    store.deliver(
        Message(b"Subject: new\r\n\r\ny\r\n", sender="a@x", recipients=["ann@example.com"])
    )
    # UID 1 again, in a new folder: the stale DELE must not touch it.
    assert talk(session, b"QUIT") == [b"+OK Logging out, 0 messages deleted.\r\n"]
    assert [e.message.subject for e in store.account("ann@example.com").inbox.entries] == ["new"]


def test_capabilities_follow_tls_and_state():
    plain = new_session(tls_available=True)
    assert "STLS" in plain.capabilities()
    assert talk(plain, b"STLS", b"CAPA") == [b"+OK Begin TLS negotiation now.\r\n"]
    assert plain.starttls_pending
    assert talk(plain, b"CAPA") == []  # nothing is read until the handshake is done
    plain.tls_started()
    assert "STLS" not in plain.capabilities()
    assert talk(plain, b"STLS") == [b"-ERR TLS is already active.\r\n"]
    assert "STLS" not in new_session(tls_available=False).capabilities()
    assert talk(new_session(), b"STLS") == [b"-ERR STLS is not available here.\r\n"]


def test_timed_out_session_releases_its_lock():
    locks = MaildropLocks()
    session = Session(store_with(b"Subject: a\r\n\r\nx\r\n"), locks)
    talk(session, b"USER ann@example.com", b"PASS pw", b"DELE 1")
    assert session.timed_out() == b"-ERR Disconnected for inactivity.\r\n"
    assert session.closed and "ann@example.com" not in locks


def test_dot_stuff_and_top():
    assert dot_stuff(b".a\r\nb\r\n..c\r\n") == b"..a\r\nb\r\n...c\r\n"
    assert dot_stuff(b"no end") == b"no end\r\n"
    assert dot_stuff(b"") == b""
    raw = b"H: 1\r\nH: 2\r\n\r\nl1\r\nl2\r\nl3\r\n"
    assert top(raw, 0) == b"H: 1\r\nH: 2\r\n\r\n"
    assert top(raw, 2) == b"H: 1\r\nH: 2\r\n\r\nl1\r\nl2\r\n"
    assert top(raw, 10**9) == raw
    assert top(b"only: header\r\n", 3) == b"only: header\r\n"


# -- hypothesis: arbitrary input never breaks the session --------------------------------

STATUS = re.compile(rb"^(\+OK|-ERR|\+ )")

WORDS = [
    b"USER ann@example.com",
    b"PASS x",
    b"APOP ann@example.com 0123456789abcdef0123456789abcdef",
    b"AUTH",
    b"AUTH PLAIN",
    b"AUTH LOGIN",
    b"AUTH CRAM-MD5",
    b"AUTH PLAIN AGFubkBleGFtcGxlLmNvbQB4",
    b"*",
    b"YW5u",
    b"STAT",
    b"LIST",
    b"LIST 1",
    b"RETR 1",
    b"RETR 2",
    b"DELE 1",
    b"TOP 1 1",
    b"UIDL",
    b"UIDL 2",
    b"NOOP",
    b"RSET",
    b"CAPA",
    b"STLS",
    b"QUIT",
    b"",
]

commands = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.binary(max_size=40).filter(lambda b: b"\n" not in b),
        st.builds(
            lambda w, junk: w + b" " + junk,
            st.sampled_from(WORDS),
            st.binary(max_size=20).filter(lambda b: b"\n" not in b),
        ),
    ),
    max_size=30,
)


def check_responses(session: Session, responses: list[bytes]) -> None:
    for response in responses:
        assert STATUS.match(response), response
        assert response.endswith(b"\r\n"), response
        first_line = response.split(b"\r\n", 1)[0]
        assert b"\n" not in first_line and b"\r" not in first_line


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(commands, st.booleans())
def test_any_command_sequence_gets_well_formed_responses(lines, tls):
    store = store_with(b"Subject: a\r\n\r\n.\r\n..\r\n", b"Subject: b\r\n\r\nbody")
    session = new_session(store, tls_available=tls)
    data = b"".join(line + b"\r\n" for line in lines)
    responses = session.receive_data(data)
    check_responses(session, responses)
    # One response per line read, unless QUIT or STLS stopped the reading.
    if not (session.closed or session.starttls_pending):
        assert len(responses) == len(lines)
    session.connection_lost()
    assert len(store.messages) == 2  # POP3 never touches the capture log


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=MAX_LINE_LENGTH * 3), max_size=10))
def test_arbitrary_bytes_never_raise(chunks):
    session = new_session(store_with(b"Subject: a\r\n\r\nx\r\n"), tls_available=True)
    for chunk in chunks:
        check_responses(session, session.receive_data(chunk))
    session.connection_lost()
