"""The sans-IO session driven directly: whatever arrives, an answer, never a crash.

"Internal error" is what the session says when a handler raised: these tests fail
on it, so a bug found by hypothesis shows as a failing example, not as a BAD that
looks like a refusal.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtrap_py.imap.parser import Parser
from mailtrap_py.imap.session import Session, State
from mailtrap_py.message import Message
from mailtrap_py.store import Store

MULTIPART = (
    b"From: a@example.com\r\nTo: ann@example.com\r\nSubject: parts\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n"
    b"--b--\r\n"
)


def session_with_mail() -> tuple[Session, Parser]:
    store = Store()
    store.deliver(Message(MULTIPART, recipients=["ann@example.com"]))
    store.deliver(
        Message(
            b"Subject: broken\r\nContent-Type: multipart/mixed\r\n\r\nno boundary",
            recipients=["ann@example.com"],
        )
    )
    store.deliver(Message(b"\xff\xfe garbage \x00 without headers", recipients=["ann@example.com"]))
    session = Session(store, tls_available=True)
    parser = Parser(max_line=4096, max_literal=4096)
    return session, parser


def run(session: Session, parser: Parser, data: bytes) -> bytes:
    parser.feed(data)
    out = b""
    while (event := parser.next_event()) is not None:
        out += session.handle(event)
        parser.mode = session.parser_mode
        if session.closed:
            break
    return out


def logged_in() -> tuple[Session, Parser]:
    session, parser = session_with_mail()
    run(session, parser, b"a LOGIN ann@example.com x\r\nb SELECT INBOX\r\n")
    assert session.state is State.SELECTED
    return session, parser


def test_select_then_fetch_everything_a_client_may_ask_for() -> None:
    session, parser = logged_in()
    out = run(
        session,
        parser,
        b"c FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE"
        b" BODY.PEEK[] BODY.PEEK[1] BODY.PEEK[2.TEXT] BODY.PEEK[HEADER] BODY.PEEK[TEXT]<2.3>"
        b" BODY.PEEK[1.MIME] RFC822.HEADER)\r\n",
    )
    assert out.endswith(b"c OK Fetch completed.\r\n")
    assert b"Internal error" not in out


COMMANDS = [
    "CAPABILITY",
    "NOOP",
    "CHECK",
    "ID NIL",
    "NAMESPACE",
    "ENABLE CONDSTORE",
    "IDLE",
    "DONE",
    "SELECT INBOX",
    "EXAMINE INBOX",
    "SELECT Trash (CONDSTORE)",
    "CREATE X/Y",
    "DELETE X/Y",
    "RENAME X Z",
    "SUBSCRIBE Z",
    "UNSUBSCRIBE Z",
    'LIST "" *',
    'LSUB "" %',
    "STATUS INBOX (MESSAGES UNSEEN UIDNEXT HIGHESTMODSEQ SIZE)",
    "APPEND INBOX {3+}\r\nabc",
    "CLOSE",
    "UNSELECT",
    "EXPUNGE",
    "UID EXPUNGE 1:*",
    "SEARCH ALL",
    "SEARCH OR SEEN TEXT x",
    "UID SEARCH CHARSET UTF-8 SUBJECT parts",
    "FETCH 1:* FAST",
    "UID FETCH 1:* FULL",
    "FETCH * (BODY[])",
    "STORE 1:* +FLAGS (\\Deleted)",
    "STORE 1 FLAGS.SILENT ()",
    "UID STORE 1:* -FLAGS \\Seen",
    "COPY 1:* Trash",
    "UID MOVE 2 Archive",
    "MOVE 1 Junk",
    "FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
    "STORE 1 (UNCHANGEDSINCE 1) +FLAGS (x)",
    "AUTHENTICATE PLAIN",
    "LOGIN a b",
    "STARTTLS",
    "LOGOUT",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(COMMANDS),
            st.text(max_size=30),
            st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
        ),
        max_size=12,
    )
)
def test_any_command_sequence_gets_answers_and_no_internal_error(lines: list[str]) -> None:
    session, parser = logged_in()
    for number, line in enumerate(lines):
        out = run(session, parser, f"t{number} {line}\r\n".encode("utf-8", "surrogateescape"))
        assert b"Internal error" not in out
        assert out == b"" or out.endswith(b"\r\n")
        if session.closed or session.starttls_pending:
            break


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_get_answers_and_no_internal_error(data: bytes) -> None:
    session, parser = session_with_mail()
    out = run(session, parser, b"a LOGIN ann@example.com x\r\nb SELECT INBOX\r\n" + data)
    assert b"Internal error" not in out
