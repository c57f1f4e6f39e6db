"""The IMAP command reader: tags, atoms, quoted strings, literals, lists, limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailtrap_py.imap.parser import Bad, Command, Continue, Line, Parser


def events(data: bytes, **kwargs: int) -> list[object]:
    parser = Parser(**kwargs)
    parser.feed(data)
    out = []
    while (event := parser.next_event()) is not None:
        out.append(event)
    return out


def test_a_command_has_tag_name_and_arguments() -> None:
    assert events(b"a1 login ann@example.com secret\r\n") == [
        Command("a1", "LOGIN", ["ann@example.com", "secret"])
    ]


def test_quoted_strings_are_bytes_with_escapes_undone() -> None:
    [command] = events(b'a1 LOGIN "ann smith" "pa\\"ss\\\\"\r\n')
    assert isinstance(command, Command)
    assert command.args == [b"ann smith", b'pa"ss\\']


def test_lists_nest() -> None:
    [command] = events(b"a STATUS INBOX (MESSAGES (UIDNEXT x) UNSEEN)\r\n")
    assert isinstance(command, Command)
    assert command.args == ["INBOX", ["MESSAGES", ["UIDNEXT", "x"], "UNSEEN"]]


def test_a_section_is_one_atom_with_its_spaces() -> None:
    [command] = events(b"a FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100>)\r\n")
    assert isinstance(command, Command)
    assert command.args == ["1:*", ["FLAGS", "BODY.PEEK[HEADER.FIELDS (From To)]<0.100>"]]


def test_uid_commands_are_marked() -> None:
    [command] = events(b"a uid fetch 1:* FLAGS\r\n")
    assert command == Command("a", "FETCH", ["1:*", "FLAGS"], uid=True)
    [bad] = events(b"a UID LOGIN x\r\n")
    assert isinstance(bad, Bad) and bad.tag == "a"


def test_a_synchronising_literal_asks_to_continue_then_arrives() -> None:
    parser = Parser()
    parser.feed(b"a1 LOGIN {3}\r\n")
    assert parser.next_event() == Continue("a1")
    assert parser.next_event() is None
    parser.feed(b"ann {6}\r\n")
    assert parser.next_event() == Continue("a1")
    parser.feed(b"secret\r\n")
    assert parser.next_event() == Command("a1", "LOGIN", [b"ann", b"secret"])


def test_a_non_synchronising_literal_is_read_without_asking() -> None:
    data = b"Subject: x\r\n\r\nbody\r\n"
    assert events(b"a APPEND INBOX (\\Seen) {%d+}\r\n" % len(data) + data + b"\r\n") == [
        Command("a", "APPEND", ["INBOX", ["\\Seen"], data])
    ]


def test_literal_bytes_are_taken_verbatim_even_crlf_and_parentheses() -> None:
    data = b') "\r\n{5}\r\n'
    [command] = events(b"a APPEND INBOX {%d+}\r\n" % len(data) + data + b"\r\n")
    assert isinstance(command, Command) and command.args == ["INBOX", data]


def test_too_long_a_line_is_refused_and_the_next_command_still_works() -> None:
    out = events(b"a1 NOOP " + b"x" * 2000 + b"\r\na2 NOOP\r\n", max_line=1000)
    assert out == [Bad("a1", "Command line too long", code="TOOBIG"), Command("a2", "NOOP")]


def test_a_long_line_arriving_in_pieces_is_refused_once() -> None:
    parser = Parser(max_line=100)
    parser.feed(b"a1 NOOP " + b"y" * 150)
    assert parser.next_event() == Bad("a1", "Command line too long", code="TOOBIG")
    parser.feed(b"y" * 500)
    assert parser.next_event() is None
    parser.feed(b"\r\na2 NOOP\r\n")
    assert parser.next_event() == Command("a2", "NOOP")


def test_too_big_a_literal_is_refused_without_continuation() -> None:
    assert events(b"a APPEND INBOX {999999}\r\n", max_literal=1000) == [
        Bad("a", "Literal too big (over 1000 bytes)", code="TOOBIG")
    ]


def test_too_big_a_non_synchronising_literal_is_skipped() -> None:
    out = events(b"a APPEND INBOX {2000+}\r\n" + b"z" * 2000 + b"\r\nb NOOP\r\n", max_literal=1000)
    assert out[0] == Bad("a", "Literal too big (over 1000 bytes)", code="TOOBIG")
    # The literal's bytes are dropped; what follows the literal is read as before.
    assert Command("b", "NOOP") in out


def test_syntax_errors_name_the_tag() -> None:
    assert events(b'a1 LOGIN "open\r\n') == [Bad("a1", "Unterminated quoted string")]
    assert events(b"a2 SEARCH (ALL\r\n") == [Bad("a2", "Unbalanced parentheses")]
    assert events(b"a3 SEARCH ALL)\r\n") == [Bad("a3", "Unexpected )")]
    assert events(b"\r\n") == [Bad(None, "Missing or invalid tag")]
    assert events(b"a4\r\n") == [Bad("a4", "Missing command")]
    assert events(b"+x NOOP\r\n") == [Bad(None, "Missing or invalid tag")]


def test_line_mode_hands_over_raw_lines() -> None:
    parser = Parser()
    parser.mode = "line"
    parser.feed(b"DONE\r\n")
    assert parser.next_event() == Line(b"DONE")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=8))
def test_any_bytes_in_any_pieces_give_events_not_exceptions(chunks: list[bytes]) -> None:
    parser = Parser(max_line=200, max_literal=100)
    for chunk in chunks:
        parser.feed(chunk)
        while (event := parser.next_event()) is not None:
            assert isinstance(event, Command | Continue | Bad)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ABCXYZ019:*\\.", min_size=1, max_size=8),
            st.binary(max_size=20),
        ),
        max_size=6,
    )
)
def test_strings_survive_quoting_or_literals(values: list[str | bytes]) -> None:
    """What a client sends as atom, quoted string or literal comes back intact."""
    line = b"t1 X"
    for value in values:
        if isinstance(value, str):
            line += b" " + value.encode()
        elif b"\r" in value or b"\n" in value or b"\0" in value:
            line += b" {%d+}\r\n" % len(value) + value
        else:
            line += b' "' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    [command] = events(line + b"\r\n")
    assert isinstance(command, Command)
    assert command.args == values
