"""SEARCH programs (RFC 3501 section 6.4.4, RFC 7162 MODSEQ) parsed and run without
a session: every key, the RFC's examples, errors, and hypothesis properties."""

from __future__ import annotations

import base64
import quopri
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtrap_py.imap import search
from mailtrap_py.imap.parser import Token
from mailtrap_py.imap.search import CHARSETS, SearchError, parse_search
from mailtrap_py.message import Message
from mailtrap_py.store import Entry

UTC = timezone.utc
PACIFIC = timezone(timedelta(hours=-8))

# seq 1: plain text, every address header, a Date late in its own day.
PLAIN = (
    b"From: Ann Example <ann@example.com>\r\n"
    b"To: Bob <bob@example.org>\r\n"
    b"Cc: carol@example.net\r\n"
    b"Bcc: dave@example.com\r\n"
    b"Subject: Invoice 1001\r\n"
    b"Date: Mon, 06 Jan 2025 23:30:00 -0800\r\n"
    b"X-Custom: Alpha\r\n"
    b"X-Custom-Two: Beta\r\n"
    b"\r\n"
    b"Hello world, pay by Friday.\r\n"
    b"Subject: not a header, a body line\r\n"
)

# seq 2: RFC 2047 headers, a folded header, quoted-printable and base64 text parts,
# a Latin-1 part and a binary attachment whose decoded bytes hold a search word.
MULTIPART = (
    b"From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <jorg@example.de>\r\n"
    b"To: ann@example.com\r\n"
    b"Subject: =?utf-8?b?UmVwb3J0IGbDvHIgSsOkbm5lcg==?=\r\n"
    b"Date: Tue, 14 Jan 2025 08:00:00 +0000\r\n"
    b"X-Folded: first part\r\n"
    b" second part\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Caf=C3=A9 au lait, soft=\r\n"
    b"wrapped line\r\n"
    b"--b1\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    + base64.encodebytes(b"<p>Secret <b>Treasure</b> map</p>").replace(b"\n", b"\r\n")
    + b"--b1\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Gr\xfc\xdfe aus K\xf6ln\r\n"
    b"--b1\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.encodebytes(b"hidden attachment words").replace(b"\n", b"\r\n") + b"--b1--\r\n"
)

# seq 3: no Date header, bare LF line endings, no body.
NO_DATE = b"From: zed@example.com\nSubject: Lunch?\nX-Empty:\n"

# seq 4: an unparseable Date header, no From.
BAD_DATE = b"To: bob@example.org\r\nSubject: later\r\nDate: someday soon\r\n\r\nBye\r\n"

RAWS = (PLAIN, MULTIPART, NO_DATE, BAD_DATE)
MESSAGES = tuple(
    Message(raw, sender="s@example.com", recipients=["ann@example.com"]) for raw in RAWS
)


def make_entries() -> list[Entry]:
    """Four entries, UIDs 10, 20, 21, 40, with flags, dates and modseqs."""
    internal = [
        datetime(2025, 1, 6, 23, 30, tzinfo=PACIFIC),  # 7 Jan in UTC, the day that counts
        datetime(2025, 1, 15, 0, 5, tzinfo=UTC),
        datetime(2025, 1, 20, 12, 0, tzinfo=UTC),
        datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
    ]
    flags = [
        {"\\Seen", "\\Answered"},
        {"\\Flagged", "$Label1"},
        {"\\Deleted", "\\Draft", "\\Seen"},
        set(),
    ]
    entries = []
    for message, uid, when, flag_set, modseq in zip(
        MESSAGES, (10, 20, 21, 40), internal, flags, (5, 9, 12, 3), strict=True
    ):
        entry = Entry(message, uid, when, modseq)
        entry.flags = frozenset(flag_set)
        entries.append(entry)
    return entries


ENTRIES = make_entries()
RECENT = frozenset({20, 40})  # UIDs


def run(*args: Token, entries: list[Entry] = ENTRIES, recent: Iterable[int] = RECENT) -> list[int]:
    return parse_search(list(args)).run(entries, frozenset(recent))


# -- keys ------------------------------------------------------------------------


def test_all() -> None:
    assert run("ALL") == [1, 2, 3, 4]
    assert run("all") == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("ANSWERED", [1]),
        ("UNANSWERED", [2, 3, 4]),
        ("DELETED", [3]),
        ("UNDELETED", [1, 2, 4]),
        ("DRAFT", [3]),
        ("UNDRAFT", [1, 2, 4]),
        ("FLAGGED", [2]),
        ("UNFLAGGED", [1, 3, 4]),
        ("SEEN", [1, 3]),
        ("UNSEEN", [2, 4]),
    ],
)
def test_flag_keys(key: str, expected: list[int]) -> None:
    assert run(key) == expected
    assert run(key.lower()) == expected


def test_flags_compare_case_insensitively() -> None:
    entry = Entry(MESSAGES[0], 1, datetime(2025, 1, 1, tzinfo=UTC), 1)
    entry.flags = frozenset({"\\SEEN", "$label1"})
    assert run("SEEN", entries=[entry]) == [1]
    assert run("UNSEEN", entries=[entry]) == []
    assert run("KEYWORD", "$Label1", entries=[entry]) == [1]


def test_keyword_and_unkeyword() -> None:
    assert run("KEYWORD", "$Label1") == [2]
    assert run("KEYWORD", "$label1") == [2]
    assert run("KEYWORD", b"$Label1") == [2]
    assert run("KEYWORD", "$Other") == []
    assert run("UNKEYWORD", "$Label1") == [1, 3, 4]
    # A system flag is no keyword (Dovecot agrees).
    assert run("KEYWORD", "\\Seen") == []
    assert run("UNKEYWORD", "\\Seen") == [1, 2, 3, 4]


def test_saved_result_is_empty() -> None:
    # RFC 5182's `$`: nothing is ever saved, so it names no message (as in Dovecot).
    assert run("$") == []
    assert run("NOT", "$") == [1, 2, 3, 4]


def test_recent_new_old() -> None:
    # RECENT holds UIDs 20 and 40 (seq 2 and 4); neither is \Seen.
    assert run("RECENT") == [2, 4]
    assert run("NEW") == [2, 4]
    assert run("OLD") == [1, 3]
    assert run("NEW", recent={10, 20}) == [2]  # 10 is \Seen: recent but not new
    assert run("RECENT", recent=()) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("1", [1]),
        ("2:*", [2, 3, 4]),
        ("*", [4]),
        ("3:1", [1, 2, 3]),
        ("1,3", [1, 3]),
        ("*:3", [3, 4]),
        ("9", []),
        ("1:9", [1, 2, 3, 4]),
    ],
)
def test_sequence_sets(key: str, expected: list[int]) -> None:
    assert run(key) == expected


@pytest.mark.parametrize(
    ("uids", "expected"),
    [
        ("10", [1]),
        ("20:*", [2, 3, 4]),
        ("*", [4]),
        ("11:20", [2]),
        ("21,10", [1, 3]),
        ("30:39", []),
        # RFC 3501 section 6.4.8: n:* with n past the largest UID still holds it.
        ("100:*", [4]),
    ],
)
def test_uid_sets(uids: str, expected: list[int]) -> None:
    assert run("UID", uids) == expected


def test_larger_and_smaller_are_strict() -> None:
    size = len(PLAIN)
    assert run("LARGER", str(size)) == [2]  # only MULTIPART is bigger
    assert run("LARGER", str(size - 1)) == [1, 2]
    assert run("SMALLER", str(size)) == [3, 4]
    assert run("SMALLER", str(size + 1)) == [1, 3, 4]
    assert run("LARGER", "0") == [1, 2, 3, 4]


def test_modseq() -> None:
    program = parse_search(["MODSEQ", "9"])
    assert program.uses_modseq
    assert program.run(ENTRIES, RECENT) == [2, 3]
    assert run("MODSEQ", "0") == [1, 2, 3, 4]
    assert not parse_search(["ALL"]).uses_modseq
    assert parse_search(["NOT", ["MODSEQ", "1"]]).uses_modseq


def test_modseq_entry_name_and_type() -> None:
    # RFC 7162 section 3.1.5's example.
    program = parse_search(["MODSEQ", b"/flags/\\draft", "all", "620162338"])
    assert program.uses_modseq
    assert program.run(ENTRIES, RECENT) == []
    assert run("MODSEQ", b"/flags/\\seen", "PRIV", "6") == [2, 3]
    assert run("MODSEQ", b"/flags/\\seen", "shared", "6") == [2, 3]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Internal dates, in UTC as Dovecot has them: 7 Jan (6 Jan 23:30 -0800),
        # 15 Jan, 20 Jan, 1 Feb.
        (("ON", "7-Jan-2025"), [1]),
        (("ON", "6-Jan-2025"), []),
        (("BEFORE", "15-Jan-2025"), [1]),
        (("BEFORE", "16-Jan-2025"), [1, 2]),
        (("SINCE", "15-Jan-2025"), [2, 3, 4]),
        (("SINCE", "2-Feb-2025"), []),
        (("ON", b"15-jan-2025"), [2]),
        (("ON", "1-FEB-2025"), [4]),
        (("ON", "01-Feb-2025"), [4]),
        # Date headers, each in its own zone: 6 Jan (23:30 -0800), 14 Jan. NO_DATE
        # and BAD_DATE were sent on 1-Jan-1970, as Dovecot has it, not on their
        # internal dates.
        (("SENTON", "6-Jan-2025"), [1]),
        (("SENTON", "7-Jan-2025"), []),
        (("SENTON", "14-Jan-2025"), [2]),
        (("SENTON", "15-Jan-2025"), []),
        (("SENTBEFORE", "14-Jan-2025"), [1, 3, 4]),
        (("SENTSINCE", "14-Jan-2025"), [2]),
        (("SENTON", "20-Jan-2025"), []),
        (("SENTON", "1-Jan-1970"), [3, 4]),
        # No such day: after every message, as Dovecot reads it; year 0 before all.
        (("BEFORE", "31-Feb-2025"), [1, 2, 3, 4]),
        (("SINCE", "0-Jan-2025"), []),
        (("ON", "99-Jan-2025"), []),
        (("SENTBEFORE", "32-Dec-2024"), [1, 2, 3, 4]),
        (("SINCE", "1-Jan-0000"), [1, 2, 3, 4]),
        (("BEFORE", "1-Jan-0000"), []),
    ],
)
def test_dates(args: tuple[Token, ...], expected: list[int]) -> None:
    assert run(*args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("FROM", "ann@example"), [1]),
        (("FROM", b"ANN EXAMPLE"), [1]),
        (("FROM", "example"), [1, 2, 3]),
        (("FROM", "J\u00f6rg M\u00fcller".encode()), [2]),  # decoded RFC 2047
        (("FROM", "=?utf-8?q?J=C3=B6rg"), [2]),  # and as sent (Dovecot: decoded only)
        (("FROM", "nobody"), []),
        (("TO", "bob"), [1, 4]),
        (("TO", "ann@example.com"), [2]),  # the header, not the envelope
        (("CC", "carol"), [1]),
        (("CC", "bob"), []),
        (("BCC", "dave"), [1]),
        (("SUBJECT", "invoice"), [1]),
        (("SUBJECT", "f\u00fcr j\u00e4nner".encode()), [2]),
        (("SUBJECT", "Lunch?"), [3]),
        (("SUBJECT", "header, a body line"), []),  # a Subject: line in a body
    ],
)
def test_address_and_subject_keys(args: tuple[Token, ...], expected: list[int]) -> None:
    assert run(*args) == expected


@pytest.mark.parametrize(
    ("field", "needle", "expected"),
    [
        ("X-Custom", "alpha", [1]),
        ("x-custom", b"ALPHA", [1]),
        ("X-Custom", "beta", []),  # only X-Custom-Two says Beta
        ("X-Custom-Two", "beta", [1]),
        ("X-Custom", b"", [1]),  # "" finds every message that has the field
        ("Date", b"", [1, 2, 4]),
        ("X-Empty", b"", [3]),
        ("X-Missing", b"", []),
        # A name no field can have finds nothing, as in Dovecot (not an error).
        (b"", b"", []),
        (b"X Custom", b"", []),
        (b"X-Custom:", b"alpha", []),
        ("X-Folded", "first part second", [2]),  # unfolded
        ("X-Folded", "second", [2]),
        ("Subject", "invoice", [1]),
        (b"Subject", b"1001", [1]),
    ],
)
def test_header(field: Token, needle: Token, expected: list[int]) -> None:
    assert run("HEADER", field, needle) == expected


def test_header_field_spellings() -> None:
    raw = (
        b"Received: from a.example\r\n"
        b"SUBJECT : shouted\r\n"
        b"received: from b.example\r\n"
        b"\tby c.example\r\n"
        b"X-Received-Extra: from z.example\r\n"
        b"\r\n"
        b"Received: from body.example\r\n"
    )
    entries = [Entry(Message(raw), 1, datetime(2025, 1, 1, tzinfo=UTC), 1)]
    assert run("SUBJECT", "shouted", entries=entries) == [1]  # space before the colon
    assert run("HEADER", "Received", "b.example", entries=entries) == [1]  # the 2nd one
    assert run("HEADER", "Received", "c.example", entries=entries) == [1]  # continued
    assert run("HEADER", "Received", "z.example", entries=entries) == []  # another field
    assert run("HEADER", "Received", "body.example", entries=entries) == []  # the body


def test_body_reads_decoded_text_parts() -> None:
    assert run("BODY", "hello world") == [1]
    assert run("BODY", "caf\u00e9 au lait".encode()) == [2]  # quoted-printable
    assert run("BODY", "softwrapped") == [2]  # a soft line break joins
    assert run("BODY", "secret <b>treasure") == [2]  # base64 text/html
    assert run("BODY", "gr\u00fc\u00dfe aus k\u00f6ln".encode()) == [2]  # Latin-1
    assert run("BODY", "hidden attachment") == []  # not a text part
    assert run("BODY", "invoice") == []  # headers are not the body
    assert run("BODY", "bye") == [4]


def test_text_reads_headers_and_body() -> None:
    assert run("TEXT", "invoice") == [1]
    assert run("TEXT", "friday") == [1]
    assert run("TEXT", "x-custom-two: beta") == [1]
    assert run("TEXT", "j\u00f6rg".encode()) == [2]  # decoded header
    assert run("TEXT", "treasure") == [2]
    assert run("TEXT", "lunch") == [3]
    assert run("TEXT", "hidden attachment") == []
    # As in Dovecot, TEXT also reads each MIME part's header lines.
    assert run("TEXT", "content-transfer-encoding: quoted-printable") == [2]
    assert run("TEXT", "application/octet-stream") == [2]
    assert run("BODY", "application/octet-stream") == []


def test_text_reads_attached_messages_headers() -> None:
    raw = (
        b"Subject: fwd\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--x\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: inner@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\ninner text\r\n"
        b"--x--\r\n"
    )
    entries = [Entry(Message(raw), 1, datetime(2025, 1, 1, tzinfo=UTC), 1)]
    assert run("TEXT", "inner@example.com", entries=entries) == [1]
    assert run("TEXT", "gr\u00fc\u00dfe".encode(), entries=entries) == [1]
    assert run("BODY", "inner text", entries=entries) == [1]
    assert run("BODY", "inner@example.com", entries=entries) == []
    assert run("FROM", "inner", entries=entries) == []


def test_not_or_groups_and_implicit_and() -> None:
    assert run("NOT", "SEEN") == [2, 4]
    assert run("NOT", "NOT", "SEEN") == [1, 3]
    assert run("OR", "ANSWERED", "FLAGGED") == [1, 2]
    assert run("OR", "FROM", "zed", "SUBJECT", "later") == [3, 4]
    assert run("SEEN", "UNDELETED") == [1]
    assert run(["SEEN", "UNDELETED"]) == [1]
    assert run("OR", ["SEEN", "DELETED"], ["FLAGGED"]) == [2, 3]
    assert run("NOT", ["SEEN", "DELETED"]) == [1, 2, 4]
    assert run("OR", "OR", "1", "2", "3") == [1, 2, 3]
    assert run("1:3", "NOT", "2") == [1, 3]
    assert run([[["SEEN"]]]) == [1, 3]


def test_empty_mailbox() -> None:
    assert run("ALL", entries=[]) == []
    assert run("*", entries=[]) == []
    assert run("UID", "1:*", entries=[]) == []


# -- RFC 3501 section 6.4.4's examples ------------------------------------------


def rfc_entries() -> list[Entry]:
    smith = Message(b"From: John Smith <smith@example.com>\r\nSubject: hi\r\n\r\nbody\r\n")
    other = Message(b"From: jane@example.com\r\nSubject: yo\r\n\r\nXXXXXX\r\n")
    entries = []
    for uid, (message, when, flags) in enumerate(
        [
            (smith, datetime(1994, 2, 3, tzinfo=UTC), {"\\Flagged"}),
            (other, datetime(1994, 2, 3, tzinfo=UTC), {"\\Flagged"}),
            (other, datetime(1994, 1, 31, tzinfo=UTC), {"\\Flagged"}),
            (other, datetime(1994, 2, 1, tzinfo=UTC), set()),
            (other, datetime(1994, 2, 1, tzinfo=UTC), {"\\Flagged"}),
        ],
        start=1,
    ):
        entry = Entry(message, uid, when, 1)
        entry.flags = frozenset(flags)
        entries.append(entry)
    return entries


def test_rfc3501_examples() -> None:
    entries = rfc_entries()
    # A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"
    assert run("FLAGGED", "SINCE", "1-Feb-1994", "NOT", "FROM", b"Smith", entries=entries) == [
        2,
        5,
    ]
    # A283 SEARCH TEXT "string not in mailbox"
    assert run("TEXT", b"string not in mailbox", entries=entries) == []
    # A284 SEARCH CHARSET UTF-8 TEXT {6} XXXXXX
    assert run("CHARSET", "UTF-8", "TEXT", b"XXXXXX", entries=entries) == [2, 3, 4, 5]


# -- CHARSET ---------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["UTF-8", "utf-8", "US-ASCII", b"us-ascii", *CHARSETS])
def test_supported_charsets(charset: Token) -> None:
    assert run("CHARSET", charset, "SUBJECT", "invoice") == [1]


@pytest.mark.parametrize("charset", ["ISO-8859-1", b"KOI8-R", "UTF8"])
def test_unsupported_charset_is_badcharset(charset: Token) -> None:
    with pytest.raises(SearchError) as caught:
        parse_search(["CHARSET", charset, "ALL"])
    assert caught.value.code == "BADCHARSET"


def test_charset_without_name() -> None:
    with pytest.raises(SearchError) as caught:
        parse_search(["CHARSET"])
    assert caught.value.code is None


# -- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ([], "missing search key"),
        (["FOO"], "unknown search key"),
        (["SEEN", "BOGUS"], "unknown search key"),
        (["\u017feen"], "unknown search key"),  # "ſeen".upper() == "SEEN"
        ([b"SEEN"], "expected a search key"),
        ([[]], "empty parentheses"),
        ([")"], "unbalanced"),
        (["("], "unbalanced"),
        (["FROM"], "FROM needs"),
        (["HEADER", "Subject"], "HEADER needs"),
        (["HEADER"], "HEADER needs"),
        (["HEADER", b"", []], "needs a string"),
        (["KEYWORD"], "KEYWORD needs"),
        (["BODY", ["x"]], "needs a string"),
        (["NOT"], "NOT needs"),
        (["OR", "SEEN"], "OR needs"),
        (["UID"], "UID needs"),
        (["UID", b"1:2"], "UID needs a UID set"),
        (["UID", "0"], "bad sequence set"),
        (["1:x"], "bad sequence set"),
        (["0"], "bad sequence set"),
        (["LARGER"], "LARGER needs"),
        (["LARGER", "-1"], "needs a number"),
        (["LARGER", "1.5"], "needs a number"),
        (["SMALLER", "ten"], "needs a number"),
        (["SMALLER", "18446744073709551616"], "needs a number"),
        (["SMALLER", "9" * 5000], "needs a number"),
        (["SMALLER", "\u0661\u0662"], "8-bit text"),  # Arabic-Indic digits
        (["MODSEQ"], "MODSEQ needs"),
        (["MODSEQ", "18446744073709551616"], "needs a number"),
        # RFC 3501 atoms are ASCII; Dovecot answers BAD as well.
        (["SUBJECT", "Gr\u00fc\u00dfe"], "8-bit text"),
        (["HEADER", "Subject", "\u00fc"], "8-bit text"),
        (["CHARSET", "UTF-8", "FROM", "M\u00fcller"], "8-bit text"),
        (["MODSEQ", b"/flags/\\seen", "everyone", "1"], "entry type"),
        (["MODSEQ", b"/flags/\\seen", "all"], "MODSEQ needs"),
        (["SINCE"], "SINCE needs"),
        (["SENTON", "1-Foo-2025"], "needs a date"),
        (["SENTON", "2025-01-01"], "needs a date"),
        (["BEFORE", "1-Jan-25"], "needs a date"),
        (["BEFORE", "123-Jan-2025"], "needs a date"),
        (["BEFORE", ["1-Jan-2025"]], "needs a string"),
    ],
)
def test_errors(args: list[Token], reason: str) -> None:
    with pytest.raises(SearchError, match=reason.replace("(", r"\(")) as caught:
        parse_search(args)
    assert caught.value.code is None


def test_nesting_is_limited() -> None:
    deep: Token = ["ALL"]
    for _ in range(200):
        deep = [deep]
    with pytest.raises(SearchError, match="nested too deeply"):
        parse_search([deep])
    with pytest.raises(SearchError, match="nested too deeply"):
        parse_search([*(["NOT"] * 500), "ALL"])
    # Deep but within the limit runs.
    assert run(*(["NOT"] * 40), "SEEN") == [1, 3]


def test_search_error_is_a_value_error() -> None:
    assert issubclass(SearchError, ValueError)
    assert SearchError("x").code is None


# -- cost ------------------------------------------------------------------------


def test_header_keys_parse_no_mime_tree() -> None:
    messages = [Message(raw) for raw in RAWS]
    entries = [Entry(m, i, datetime(2025, 1, 1, tzinfo=UTC), 1) for i, m in enumerate(messages, 1)]
    assert run("HEADER", "Subject", "invoice", entries=entries) == [1]
    assert run("OR", "FROM", "zed", "SENTON", "14-Jan-2025", entries=entries) == [2, 3]
    # Neither the parsed view nor the header summary was built.
    assert all(m._view is None and m._summary is None for m in messages)


def test_cheap_keys_run_first(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[bytes] = []
    real = search._may_contain  # the first thing BODY does with a message

    def counting(raw: bytes, plain: bytes | None, text: bool = False) -> bool:
        read.append(raw)
        return real(raw, plain, text)

    monkeypatch.setattr(search, "_may_contain", counting)
    # BODY written first, but only the unseen messages' bodies are read.
    assert run("BODY", "treasure", "UNSEEN") == [2]
    assert read == [MULTIPART, BAD_DATE]
    read.clear()
    assert run("OR", "BODY", "treasure", "SEEN") == [1, 2, 3]
    assert read == [MULTIPART, BAD_DATE]


def test_header_block_edge_cases() -> None:
    block = search._header_block
    assert block(b"A: 1\r\n\r\nbody") == b"A: 1"
    assert block(b"A: 1\n\nbody\r\n\r\n") == b"A: 1"
    assert block(b"A: 1\r\n\nbody") == b"A: 1"
    assert block(b"A: 1") == b"A: 1"
    assert block(b"\r\nbody") == b""
    assert block(b"") == b""


def test_undecodable_headers_still_match_as_sent() -> None:
    raw = (
        b"Subject: =?x-unknown?q?caf=E9?= and =?utf-8?b?!!!?=\r\n"
        b"From: \xff\xfe broken <x@example.com>\r\n\r\nbody\r\n"
    )
    entries = [Entry(Message(raw), 1, datetime(2025, 1, 1, tzinfo=UTC), 1)]
    assert run("SUBJECT", "x-unknown", entries=entries) == [1]
    assert run("SUBJECT", "caf", entries=entries) == [1]
    assert run("FROM", "broken", entries=entries) == [1]
    assert run("TEXT", "broken", entries=entries) == [1]
    assert run("BODY", "body", entries=entries) == [1]


def test_broken_mime_still_searchable() -> None:
    raws = [
        b"Subject: broken\r\nContent-Type: multipart/mixed\r\n\r\nno boundary here",
        b"\xff\xfe garbage \x00 without headers",
        b"Content-Type: text/plain; charset=bogus-charset\r\n\r\nplain words\r\n",
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!notbase64",
    ]
    entries = [
        Entry(Message(raw), i, datetime(2025, 1, 1, tzinfo=UTC), 1) for i, raw in enumerate(raws, 1)
    ]
    assert run("BODY", "no boundary", entries=entries) == [1]
    assert run("TEXT", "garbage", entries=entries) == [2]
    assert run("BODY", "plain words", entries=entries) == [3]
    assert run("NOT", "BODY", "zzz", entries=entries) == [1, 2, 3, 4]
    assert run("SENTON", "1-Jan-1970", entries=entries) == [1, 2, 3, 4]


# -- hypothesis ------------------------------------------------------------------

KEY_WORDS = [
    "ALL", "ANSWERED", "BCC", "BEFORE", "BODY", "CC", "DELETED", "DRAFT", "FLAGGED",
    "FROM", "HEADER", "KEYWORD", "LARGER", "NEW", "NOT", "OLD", "ON", "OR", "RECENT",
    "SEEN", "SENTBEFORE", "SENTON", "SENTSINCE", "SINCE", "SMALLER", "SUBJECT", "TEXT",
    "TO", "UID", "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNKEYWORD", "UNSEEN",
    "MODSEQ", "CHARSET", "UTF-8", "1", "1:*", "*", "0", "1-Feb-1994", "all", "priv",
    "4294967296", "(", ")",
]  # fmt: skip

atoms = st.one_of(st.sampled_from(KEY_WORDS), st.text(max_size=12))
tokens: st.SearchStrategy[Token] = st.recursive(
    st.one_of(atoms, st.binary(max_size=12)),
    lambda inner: st.lists(inner, max_size=5),
    max_leaves=30,
)


@given(st.lists(tokens, max_size=12))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_parse_raises_only_search_error(args: list[Token]) -> None:
    try:
        program = parse_search(args)
    except SearchError:
        return
    program.run(ENTRIES, RECENT)  # and a program that parsed runs


def _date_atom(day: date) -> str:
    return f"{day.day}-{day.strftime('%b')}-{day.year}"


simple_keys = st.sampled_from(
    [["ALL"], ["NEW"], ["OLD"], ["RECENT"]] + [[k] for k in search._FLAG_KEYS]
)
string_keys = st.tuples(
    st.sampled_from(["FROM", "TO", "CC", "BCC", "SUBJECT", "BODY", "TEXT"]),
    st.sampled_from(["a", "ann", "bob", b"J\xc3\xb6rg", "invoice", b"", "zzz", "e"]),
).map(list)
header_keys = st.tuples(
    st.just("HEADER"),
    st.sampled_from(["Subject", "X-Custom", "Date", "X-Empty"]),
    st.sampled_from([b"", "a", "1001", "lunch"]),
).map(list)
date_keys = st.tuples(
    st.sampled_from(list(search._DATE_KEYS)),
    st.dates(date(2025, 1, 1), date(2025, 2, 5)).map(_date_atom),
).map(list)
number_keys = st.one_of(
    st.tuples(st.sampled_from(["LARGER", "SMALLER"]), st.integers(0, 2000).map(str)),
    st.tuples(st.just("MODSEQ"), st.integers(0, 15).map(str)),
    st.tuples(st.sampled_from(["KEYWORD", "UNKEYWORD"]), st.sampled_from(["$Label1", "$x"])),
).map(list)
set_keys = st.one_of(
    st.sampled_from(["1", "2:*", "*", "1,3", "5:2"]).map(lambda s: [s]),
    st.sampled_from(["1", "2:*", "*", "1,3", "5:2"]).map(lambda s: ["UID", s]),
)
keys: st.SearchStrategy[list[Token]] = st.recursive(
    st.one_of(simple_keys, string_keys, header_keys, date_keys, number_keys, set_keys),
    lambda inner: st.one_of(
        inner.map(lambda k: ["NOT", *k]),
        st.tuples(inner, inner).map(lambda pair: ["OR", *pair[0], *pair[1]]),
        st.lists(inner, min_size=1, max_size=3).map(lambda ks: [[t for k in ks for t in k]]),
    ),
    max_leaves=6,
)
flag_sets = st.frozensets(
    st.sampled_from(["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "$Label1"])
)


@st.composite
def mailboxes(draw: st.DrawFn) -> tuple[list[Entry], frozenset[int]]:
    entries = []
    uid = 0
    for _ in range(draw(st.integers(0, 6))):
        uid += draw(st.integers(1, 3))
        when = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 900)))
        entry = Entry(draw(st.sampled_from(MESSAGES)), uid, when, draw(st.integers(1, 15)))
        entry.flags = draw(flag_sets)
        entries.append(entry)
    recent = (
        draw(st.frozensets(st.sampled_from([e.uid for e in entries]))) if entries else frozenset()
    )
    return entries, recent


@given(keys, keys, mailboxes())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_not_or_and_are_set_operations(
    first: list[Token], second: list[Token], mailbox: tuple[list[Entry], frozenset[int]]
) -> None:
    entries, recent = mailbox
    every = set(range(1, len(entries) + 1))

    def found(args: list[Token]) -> set[int]:
        numbers = parse_search(args).run(entries, recent)
        assert numbers == sorted(set(numbers))
        return set(numbers)

    a, b = found(first), found(second)
    assert found(["NOT", *first]) == every - a
    assert found(["OR", *first, *second]) == a | b
    assert found([*first, *second]) == a & b
    assert found([[*first], [*second]]) == a & b


# The shortcut for plain ASCII mail (`_may_contain`) must never change an answer.
body_charsets = st.sampled_from(
    ["us-ascii", "utf-8", '"UTF-8"', "iso-8859-1", "utf-16", "utf-7", "bogus", None]
)
transfer_encodings = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", None])
body_words = st.text(alphabet="aAbBsS +-=~\r\n\x00\u00e9\u00df\u212a", max_size=30)


def _encode_part(text: str, charset: str | None, transfer: str | None) -> bytes:
    codec = (charset or "us-ascii").strip('"')
    try:
        data = text.encode(codec, "replace")
    except LookupError:
        data = text.encode("utf-8")
    if transfer == "base64":
        data = base64.encodebytes(data)
    elif transfer == "quoted-printable":
        data = quopri.encodestring(data)
    head = b"Content-Type: text/plain"
    if charset:
        head += b"; charset=" + charset.encode()
    head += b"\r\n"
    if transfer:
        head += b"Content-Transfer-Encoding: " + transfer.encode() + b"\r\n"
    return head + b"\r\n" + data


@st.composite
def plainish_messages(draw: st.DrawFn) -> bytes:
    parts = [
        _encode_part(draw(body_words), draw(body_charsets), draw(transfer_encodings))
        for _ in range(draw(st.integers(1, 2)))
    ]
    subject = draw(st.sampled_from([b"Subject: plain\r\n", b"Subject: =?utf-8?q?A=C3=9F?=\r\n"]))
    if len(parts) == 1:
        return subject + parts[0]
    return (
        subject
        + b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
        + b"".join(b"--zz\r\n" + part + b"\r\n" for part in parts)
        + b"--zz--\r\n"
    )


@given(plainish_messages(), st.text(alphabet="aAbBsS +-=~\x00\u00e9\u00df", min_size=1, max_size=3))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_plain_ascii_shortcut_never_changes_an_answer(raw: bytes, needle: str) -> None:
    message = Message(raw)
    folded = needle.casefold()
    body = any(folded in text for text in search._body_texts(message))
    text = body or any(
        folded in t
        for t in (*search._header_texts(message), *search._body_texts(message, part_headers=True))
    )
    entries = [Entry(message, 1, datetime(2025, 1, 1, tzinfo=UTC), 1)]
    assert run("BODY", needle.encode(), entries=entries) == ([1] if body else [])
    assert run("TEXT", needle.encode(), entries=entries) == ([1] if text else [])


def test_plain_ascii_shortcut_cases() -> None:
    may = search._may_contain
    plain = b"Subject: hi\r\n\r\nHello World\r\n"
    assert may(plain, b"world")
    assert not may(plain, b"zzz")
    assert not may(plain, None)  # a non-ASCII needle in an ASCII message
    assert may(b"Subject: hi\r\n\r\nH\xc3\xa9llo\r\n", b"zzz")  # 8-bit: parse it
    for header in (
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding:\r\n Quoted-Printable",
        b"Content-Type: text/plain; charset=utf-16",
        b'Content-Type: text/plain; charset="UTF-7"',
        b"Content-Type: text/plain; charset*=us-ascii''",
    ):
        assert may(header + b"\r\n\r\nbody\r\n", b"zzz"), header
    assert not may(b'Content-Type: text/plain; charset="ISO-8859-1"\r\n\r\nbody', b"zzz")
    # TEXT also reads decoded words and MIME part headers: those get the parse.
    assert may(b"Subject: =?utf-8?q?x?=\r\n\r\nbody", b"zzz", text=True)
    assert may(b"Content-Type: multipart/mixed\r\n\r\nbody", b"zzz", text=True)
    assert not may(b"Subject: x\r\n\r\nbody", b"zzz", text=True)
