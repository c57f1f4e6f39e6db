"""Properties: whatever bytes arrive, reading a message never raises nor rewrites them."""

from __future__ import annotations

import base64
import re
import string
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtrap_py.message import Address, Attachment, Headers, Message, find_codes

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CODE = re.compile(r"[A-Za-z0-9]{4,10}")


def check_every_accessor(raw: bytes, recipients: tuple[str, ...] = ()) -> Message:
    """Read everything a user can read; check types and that raw is untouched."""
    copy = bytes(raw)
    msg = Message(raw, sender="s@example.com", recipients=recipients)
    subject = msg.subject
    assert isinstance(subject, str)
    from_ = msg.from_
    assert from_ is None or isinstance(from_, Address)
    addresses = [*msg.to, *msg.cc, *msg.bcc, *msg.reply_to, *([from_] if from_ else [])]
    assert all(isinstance(a, Address) and isinstance(a.formatted, str) for a in addresses)
    date = msg.date
    assert date is None or isinstance(date, datetime)
    message_id = msg.message_id
    assert message_id is None or isinstance(message_id, str)
    headers = msg.headers
    assert isinstance(headers, Headers)
    for name in headers:
        assert name in headers
        assert headers[name] == headers.get_all(name)[0]
    text, html = msg.text, msg.html
    assert text is None or isinstance(text, str)
    assert html is None or isinstance(html, str)
    attachments = msg.attachments
    assert all(isinstance(a, Attachment) and a.size == len(a.content) for a in attachments)
    links = msg.links
    assert all(re.match(r"(?i)https?://.", link) for link in links)
    assert len(links) == len(set(links))
    codes = msg.codes
    assert all(CODE.fullmatch(code) for code in codes)
    assert all(isinstance(d, str) for d in msg.defects)
    summary = msg.summary()
    assert "s@example.com" in summary
    assert msg.id in repr(msg)
    msg.as_email()
    # Every string handed out can be printed, logged and sent as JSON.
    strings = [subject, summary, repr(msg), *codes, *links, *msg.defects]
    strings += [s for a in addresses for s in (a, a.name, a.formatted)]
    strings += [s for pair in headers.items_all() for s in pair]
    strings += [s for a in attachments for s in (a.filename, a.content_type, a.content_id) if s]
    strings += [s for s in (message_id, text, html) if s]
    for s in strings:
        s.encode("utf-8")
    assert msg.raw == copy
    return msg


# -- arbitrary bytes -----------------------------------------------------------------


@FAST
@given(raw=st.binary(max_size=3000))
def test_any_bytes_can_be_read(raw: bytes) -> None:
    check_every_accessor(raw, recipients=("r@example.com",))


@FAST
@given(
    head=st.sampled_from(
        [
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
            b"Content-Type: text/plain; charset=x-unknown\r\n\r\n",
            b"Content-Transfer-Encoding: base64\r\n\r\n",
            b"Content-Type: message/rfc822\r\n\r\n",
            b"Subject: =?utf-8?b?",
            b"From: ",
            b"",
        ]
    ),
    tail=st.binary(max_size=1500),
)
def test_any_bytes_after_a_mime_start_can_be_read(head: bytes, tail: bytes) -> None:
    check_every_accessor(head + tail)


# -- structured but hostile messages -------------------------------------------------

HEADER_NAMES = st.sampled_from(
    [
        "Subject",
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Date",
        "Message-ID",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Content-ID",
        "MIME-Version",
        "X-Custom",
        "received",
    ]
)

VALUE_PIECES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=40),
    st.sampled_from(
        [
            "=?utf-8?q?Caf=C3=A9?=",
            "=?iso-8859-1?b?R3L832U=?=",
            "=?x-unknown?q?=FF?=",
            "=?utf-8?b?!!!?=",
            "<a@example.com>",
            "Ann <ann@example.com>, bob@example.com",
            "undisclosed-recipients:;",
            '"Quote, Name" <q@example.com>',
            "<<<>>>",
            "multipart/mixed; boundary=x",
            "multipart/alternative",
            "text/html; charset=x-unknown",
            "text/plain; charset=utf-8",
            "message/rfc822",
            "base64",
            "quoted-printable",
            "attachment; filename*=x-unknown''%FF",
            'inline; filename="a.png"',
            "Fri, 27 Nov 2026 10:30:00 +0100",
            "Mon, 99 Foo 2026 99:99:99 +9999",
        ]
    ),
)


@st.composite
def header_lines(draw: st.DrawFn) -> bytes:
    name = draw(
        st.one_of(HEADER_NAMES, st.text(string.ascii_letters + "-", min_size=1, max_size=12))
    )
    value = draw(st.lists(VALUE_PIECES, min_size=0, max_size=3).map(" ".join))
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "surrogate"]))
    if encoding == "surrogate":
        data = value.encode("utf-8", "replace") + draw(st.binary(max_size=5))
    else:
        data = value.encode(encoding, "replace")
    data = data.replace(b"\r", b"").replace(b"\n", b" ")
    fold = draw(st.booleans())
    return name.encode() + b": " + (data.replace(b" ", b"\r\n ", 1) if fold else data) + b"\r\n"


BODY_PIECES = st.one_of(
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"Your code is 123456. Call +1 555 123 4567 on 27/11/2026.",
            b"<a href='https://example.com/a?b=1&amp;c=2'>x</a> https://example.com/t).",
            base64.b64encode(bytes(range(256))),
            b"=ZZ=\r\n=C3=A9",
            b"--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--",
        ]
    ),
)


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    headers = b"".join(draw(st.lists(header_lines(), max_size=8)))
    if draw(st.booleans()):
        boundary = draw(st.sampled_from(["b", "zz", "=_x", ""]))
        parts = []
        for _ in range(draw(st.integers(0, 4))):
            part_headers = b"".join(draw(st.lists(header_lines(), max_size=4)))
            parts.append(part_headers + b"\r\n" + draw(BODY_PIECES))
        delimiter = b"\r\n--" + boundary.encode() + b"\r\n"
        body = delimiter.join([b"preamble", *parts])
        if draw(st.booleans()):
            body += b"\r\n--" + boundary.encode() + b"--\r\n"
        headers += b"Content-Type: multipart/" + draw(
            st.sampled_from([b"mixed", b"alternative", b"related", b"report"])
        )
        headers += b"; boundary=" + boundary.encode() + b"\r\n"
    else:
        body = draw(BODY_PIECES)
    return headers + b"\r\n" + body


@FAST
@given(raw=messages(), recipients=st.lists(st.emails(), max_size=3).map(tuple))
def test_hostile_messages_can_be_read(raw: bytes, recipients: tuple[str, ...]) -> None:
    msg = check_every_accessor(raw, recipients)
    named = {a.lower() for a in [*msg.to, *msg.cc]}
    assert [str(a) for a in msg.bcc] == [r for r in recipients if r.lower() not in named]


# -- find_codes ----------------------------------------------------------------------

TEXT_WITH_NUMBERS = st.lists(
    st.one_of(
        st.text(max_size=20),
        st.integers(0, 10**10).map(str),
        st.sampled_from(
            [
                "code",
                "Your code is",
                "OTP",
                ":",
                "-",
                " ",
                "\n",
                "$",
                "€",
                "%",
                "+1",
                "(",
                ")",
                "/",
                ".",
                ",",
                "X7K9Q2",
                "482 913",
                "2026",
                "USD",
                "verification",
                "token",
            ]
        ),
    ),
    max_size=30,
).map("".join)


@FAST
@given(text=st.one_of(st.text(max_size=500), TEXT_WITH_NUMBERS))
def test_find_codes_never_raises_and_returns_short_alphanumerics(text: str) -> None:
    codes = find_codes(text)
    assert isinstance(codes, list)
    assert len(codes) == len(set(codes))
    for code in codes:
        assert CODE.fullmatch(code), code
        # A code is in the text, perhaps split into groups by a space or a hyphen.
        assert code in re.sub(r"(?<=\d)[ -](?=\d)", "", text), code
