"""Differential tests: the same IMAP dialogue against Dovecot and mailtrap-py.

Dovecot 2.3 is the reference (../shared/reference/dovecot.md). Each test puts the
same messages into both servers with APPEND (same flags, same date), sends both the
same commands, and compares what comes back after taking out what legitimately
differs: tags, the human text after OK/NO/BAD, UIDVALIDITY and MODSEQ values.
Where the two differ on purpose, the test says so and docs/imap.md lists it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from mailtrap_py import MailServer
from tests.imap.dovecot import HOST, running_dovecot
from tests.imap.raw import RawIMAP

DATE = '"14-Nov-2026 09:30:00 +0100"'

MESSAGES = {
    "plain": (
        b"Date: Sat, 14 Nov 2026 09:29:58 +0100\r\n"
        b"From: =?UTF-8?Q?Ann_M=C3=BCller?= <ann@example.com>\r\n"
        b"Sender: bot@example.com\r\n"
        b"Reply-To: help@example.com\r\n"
        b'To: bob@example.com, "Carol, C." <carol@example.org>\r\n'
        b"Cc: team: dave@example.net, erin@example.net;, frank@example.com\r\n"
        b"Subject: =?UTF-8?B?R3LDvMOfZQ==?= and more\r\n"
        b"In-Reply-To: <parent@example.com>\r\n"
        b"Message-ID: <plain-1@example.com>\r\n"
        b"\r\n"
        b"Hello Bob,\r\nthe quarterly report is attached.\r\n"
    ),
    "alternative": (
        b"From: shop@example.com\r\n"
        b"To: ann@example.com\r\n"
        b"Subject: Your order\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="alt"\r\n'
        b"\r\n"
        b"preamble\r\n"
        b"--alt\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"Order 42 =E2=80=93 shipped.\r\n"
        b"--alt\r\n"
        b'Content-Type: text/html; charset="UTF-8"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n"
        b"<p>Order 42 \xe2\x80\x93 <b>shipped</b>.</p>\r\n"
        b"--alt--\r\n"
        b"epilogue\r\n"
    ),
    "mixed": (
        b"From: reports@example.com\r\n"
        b"To: ann@example.com\r\n"
        b"Subject: Report with attachments\r\n"
        b"Date: Fri, 13 Nov 2026 18:00:00 +0000\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="outer"\r\n'
        b"\r\n"
        b"--outer\r\n"
        b"Content-Type: text/plain\r\n"
        b"\r\n"
        b"See attached.\r\n"
        b"--outer\r\n"
        b'Content-Type: application/pdf; name="q4.pdf"\r\n'
        b'Content-Disposition: attachment; filename="q4.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b"Content-ID: <q4@example.com>\r\n"
        b"Content-Description: Quarterly numbers\r\n"
        b"Content-Language: en\r\n"
        b"\r\n"
        b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"
        b"--outer\r\n"
        b"Content-Type: message/rfc822\r\n"
        b"\r\n"
        b"From: inner@example.com\r\n"
        b"Subject: Forwarded\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="in"\r\n'
        b"\r\n"
        b"--in\r\n"
        b"Content-Type: text/html\r\n"
        b"\r\n"
        b"<img src=cid:logo>\r\n"
        b"--in\r\n"
        b"Content-Type: image/png\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        b"iVBORw0KGgo=\r\n"
        b"--in--\r\n"
        b"\r\n"
        b"--outer--\r\n"
    ),
    "no-mime-header": b"Subject: bare\r\n\r\nJust text, no MIME-Version.\r\nSecond line\r\n",
}

# Items whose answers must be the same byte for byte.
FETCHES = [
    "ENVELOPE",
    "BODYSTRUCTURE",
    "BODY",
    "RFC822.SIZE",
    "INTERNALDATE",
    "BODY.PEEK[HEADER.FIELDS (Subject From)]",
    "BODY.PEEK[HEADER.FIELDS.NOT (Subject From Date To Cc)]",
    "BODY.PEEK[TEXT]<5.20>",
    "BODY.PEEK[1]",
    "BODY.PEEK[1.MIME]",
    "BODY.PEEK[2]",
    "BODY.PEEK[2.MIME]",
    "BODY.PEEK[3.HEADER]",
    "BODY.PEEK[3.TEXT]",
    "BODY.PEEK[3.1]",
    "BODY.PEEK[3.2]",
    "BODY.PEEK[3.2.MIME]",
    "BODY.PEEK[]<0.30>",
    "BODY.PEEK[9]",
    "RFC822.HEADER",
]

SEARCHES: list[str | bytes] = [
    "ALL",
    "SUBJECT report",
    b"CHARSET UTF-8 SUBJECT {7+}\r\nGr\xc3\xbc\xc3\x9fe",
    "FROM ann",
    b"CHARSET UTF-8 FROM {7+}\r\nM\xc3\xbcller",
    "TO carol",
    "CC erin",
    "HEADER Message-ID plain-1",
    "HEADER Content-Type alternative",
    "BODY shipped",
    "BODY quarterly",
    "TEXT example.org",
    "NOT SUBJECT report",
    "OR SUBJECT order FROM reports",
    "LARGER 600",
    "SMALLER 200",
    "SEEN",
    "UNSEEN",
    "FLAGGED",
    "KEYWORD $Label",
    "UNKEYWORD $Label",
    "DELETED",
    "NEW",
    "OLD",
    "RECENT",
    "UID 2:3",
    "2:*",
    "*",
    "SENTBEFORE 14-Nov-2026",
    "SENTON 13-Nov-2026",
    "SENTSINCE 14-Nov-2026",
    "BEFORE 15-Nov-2026",
    "ON 14-Nov-2026",
    "SINCE 15-Nov-2026",
    "(SEEN FLAGGED) OR ANSWERED DRAFT",
    "CHARSET UTF-8 BODY 42",
]

NORMALISE = [
    (re.compile(rb"MODSEQ \(\d+\)"), b"MODSEQ (n)"),
    (re.compile(rb"\[(UIDVALIDITY|HIGHESTMODSEQ) \d+\]"), rb"[\1 n]"),
    (re.compile(rb"\[(APPENDUID|COPYUID) \d+ "), rb"[\1 v "),
]


def _utc(match: re.Match[bytes]) -> bytes:
    moment = datetime.strptime(match.group(1).decode(), "%d-%b-%Y %H:%M:%S %z")
    return (
        b'INTERNALDATE "%s"'
        % moment.astimezone(timezone.utc).strftime("%d-%b-%Y %H:%M:%S").encode()
    )


def normalise(untagged: list[bytes], tagged: bytes) -> list[bytes]:
    """What must match: untagged data as sent, the tagged status and response code.

    INTERNALDATE is compared as an instant: Dovecot's Maildir keeps the time but not
    the zone of an APPEND's date, mailtrap-py keeps both. LIST lines are compared
    as a set: their order means nothing (RFC 3501 6.3.8).
    """
    out = []
    lists = sorted(line for line in untagged if line.startswith((b"* LIST ", b"* LSUB ")))
    untagged = [line for line in untagged if not line.startswith((b"* LIST ", b"* LSUB "))]
    untagged += lists
    for line in untagged:
        line = re.sub(rb'INTERNALDATE "([^"]+)"', _utc, line)
        for pattern, replacement in NORMALISE:
            line = pattern.sub(replacement, line)
        if line.startswith((b"* OK ", b"* NO ", b"* BAD ")):
            # Keep the response code, drop the human text.
            line = re.sub(rb"^(\* \w+ (\[[^\]]*\])?).*", rb"\1", line, flags=re.DOTALL)
        if line == b"* OK [HIGHESTMODSEQ n]":
            # RFC 7162 3.1.2.1: a server with persistent mod-sequences sends it at
            # every SELECT; Dovecot only once CONDSTORE is enabled. Both are fine.
            continue
        out.append(line)
    status = tagged.split(b" ", 2)[1:]
    code = re.match(rb"\[([A-Z-]+)", status[1]) if len(status) > 1 else None
    out.append(status[0] + (b" [" + code.group(1) + b"]" if code else b""))
    return out


@pytest.fixture(scope="module")
def dovecot_port() -> Iterator[int]:
    with running_dovecot() as dovecot:
        yield dovecot.imap_port


@pytest.fixture(scope="module")
def mailtrap_port() -> Iterator[int]:
    with MailServer(http_port=None, smtps_port=None, pop3_port=None, pop3s_port=None) as server:
        yield server.imap_port


class Pair:
    """One logged-in session on each server; `both()` sends a command to both."""

    def __init__(self, dovecot: RawIMAP, mailtrap: RawIMAP) -> None:
        self.dovecot, self.mailtrap = dovecot, mailtrap

    def both(self, command: str | bytes) -> tuple[list[bytes], list[bytes]]:
        return (
            normalise(*self.dovecot.command(command)),
            normalise(*self.mailtrap.command(command)),
        )

    def same_status(self, command: str | bytes) -> bytes:
        """Only the tagged status must match (the response codes may differ)."""
        reference, ours = self.both(command)
        assert ours[-1].split()[0] == reference[-1].split()[0], f"{command!r}: {reference!r}"
        return ours[-1]

    def same(self, command: str | bytes) -> list[bytes]:
        reference, ours = self.both(command)
        assert ours == reference, f"{command!r}: Dovecot said {reference!r}"
        return ours


_users = iter(range(1, 1_000_000))


@pytest.fixture
def pair(dovecot_port: int, mailtrap_port: int) -> Iterator[Pair]:
    user = f"diff{next(_users)}@example.com"
    with RawIMAP(HOST, dovecot_port) as dovecot, RawIMAP(HOST, mailtrap_port) as ours:
        for client in (dovecot, ours):
            client.login(user, "any")
        yield Pair(dovecot, ours)


def seed(pair: Pair, names: list[str]) -> None:
    for name in names:
        raw = MESSAGES[name]
        pair.same(b"APPEND INBOX (\\Seen) %s {%d+}\r\n" % (DATE.encode(), len(raw)) + raw)
    pair.same("SELECT INBOX")


@pytest.mark.parametrize("item", FETCHES)
@pytest.mark.parametrize("message", list(MESSAGES))
def test_fetch_answers_match_dovecot(pair: Pair, message: str, item: str) -> None:
    seed(pair, [message])
    pair.same(f"FETCH 1 ({item})")


def test_fetch_of_several_items_at_once_matches(pair: Pair) -> None:
    seed(pair, list(MESSAGES))
    pair.same("FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
    pair.same("UID FETCH 2:3 (BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.10>)")
    pair.same("FETCH 1:* FAST")


@pytest.mark.parametrize("query", SEARCHES)
def test_search_answers_match_dovecot(pair: Pair, query: str | bytes) -> None:
    seed(pair, list(MESSAGES))
    pair.same("STORE 1 -FLAGS (\\Seen)")
    pair.same("STORE 2 +FLAGS (\\Flagged $Label)")
    pair.same("STORE 3 +FLAGS (\\Answered)")
    data = query.encode() if isinstance(query, str) else query
    pair.same(b"SEARCH " + data)
    pair.same(b"UID SEARCH " + data)


def test_store_and_implicit_seen_match(pair: Pair) -> None:
    seed(pair, ["plain", "mixed"])
    pair.same("STORE 1:2 -FLAGS (\\Seen)")
    pair.same("STORE 1 +FLAGS (\\Flagged \\Draft)")
    pair.same("STORE 1 -FLAGS.SILENT (\\Draft)")
    pair.same("UID STORE 2 FLAGS (Custom)")
    pair.same("FETCH 1 (BODY[TEXT]<0.5>)")  # sets \Seen, reported with FLAGS
    pair.same("FETCH 1:2 FLAGS")


def test_copy_move_expunge_match(pair: Pair) -> None:
    seed(pair, list(MESSAGES))
    pair.same("COPY 1:2 Archive")
    pair.same("UID COPY 3 Archive")
    pair.same("STATUS Archive (MESSAGES UIDNEXT UNSEEN)")
    pair.same("STORE 2 +FLAGS.SILENT (\\Deleted)")
    pair.same("EXPUNGE")
    pair.same("UID MOVE 4 Trash")
    pair.same("STATUS Trash (MESSAGES)")
    pair.same("FETCH 1:* (UID)")


def test_folders_match(pair: Pair) -> None:
    pair.same('LIST "" "*"')
    # Dovecot leaves a parent it did not create as \Noselect; mailtrap-py creates it
    # (RFC 3501 6.3.3 SHOULD). Created first here, the two agree.
    pair.same("CREATE Work")
    pair.same("CREATE Work/Projects")
    pair.same('LIST "" "*"')
    pair.same('LIST "" "%"')
    pair.same('LIST "Work/" "%"')
    pair.same("RENAME Work Play")
    pair.same('LIST "" "Play*"')
    pair.same("DELETE Play/Projects")
    pair.same("STATUS Play (MESSAGES RECENT UNSEEN UIDNEXT)")
    # Dovecot says NO with no code; mailtrap-py adds [NONEXISTENT] (RFC 5530).
    assert pair.same_status("SELECT Nowhere") == b"NO [NONEXISTENT]"
    pair.same("CREATE INBOX")
    pair.same("DELETE INBOX")


def test_errors_match(pair: Pair) -> None:
    seed(pair, ["plain"])
    for command in (
        "FETCH",
        "FETCH 1",
        "FETCH 1 (NOSUCH)",
        "FETCH 0 FLAGS",
        "FETCH 1:x FLAGS",
        "STORE 1 +FLAGS (\\Nonsense)",
        "SEARCH NOSUCHKEY",
        "SEARCH CHARSET KLINGON ALL",
        "COPY 1 Nowhere",
        "LOGIN a b",
        "STARTTLS",
        "XYZZY",
    ):
        pair.same(command)


def test_select_examine_and_idle_greeting_match(pair: Pair) -> None:
    seed(pair, ["plain", "alternative"])
    pair.same("EXAMINE INBOX")
    pair.same("SELECT INBOX")
    pair.same("CLOSE")
    pair.same("NOOP")
