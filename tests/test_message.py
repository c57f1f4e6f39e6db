"""The captured message: exact bytes, envelope, and the lazily parsed view."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage

import pytest

from mailtrap_py.message import Address, Attachment, Headers, Message

# Every accessor a user may call on any message; none of them may raise.
ACCESSORS = (
    "subject",
    "from_",
    "to",
    "cc",
    "bcc",
    "reply_to",
    "date",
    "message_id",
    "headers",
    "text",
    "html",
    "attachments",
    "links",
    "codes",
    "defects",
)

ALL_BYTES = bytes(range(256))


def crlf(text: str) -> bytes:
    """A raw message as an SMTP client sends it: CRLF line ends."""
    return text.replace("\n", "\r\n").encode()


def wire(msg: EmailMessage, **envelope: object) -> Message:
    """`msg` as captured after DATA (smtplib serializes with CRLF)."""
    return Message(msg.as_bytes(policy=policy.SMTP), **envelope)  # type: ignore[arg-type]


def base_message(subject: str = "Hello") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Ann Example <ann@example.com>"
    msg["To"] = "bob@example.com"
    msg["Subject"] = subject
    return msg


def alternative(text: str = "plain body\n", html: str = "<p>html body</p>\n") -> EmailMessage:
    msg = base_message()
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


# -- raw bytes and envelope ----------------------------------------------------------


def test_raw_bytes_are_kept_exactly_and_size_is_their_length() -> None:
    raw = b"Subject: x\r\nX-Odd:   spaced   \r\n\r\nline one\r\n.leading dot\r\n\xff\xfe8-bit\r\n"
    msg = Message(raw)
    # Reading parsed fields must not rewrite what was received.
    assert msg.subject == "x"
    assert msg.text is not None
    assert msg.raw is raw
    assert msg.raw == raw
    assert msg.size == len(raw)


def test_envelope_is_stored_as_given() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    msg = Message(
        b"Subject: x\r\n\r\nbody\r\n",
        sender="bounce@example.com",
        recipients=["a@example.com", "b@example.com"],
        peer="127.0.0.1:5555",
        auth_user="ann",
        tls=True,
        received_at=when,
    )
    assert msg.sender == "bounce@example.com"
    assert msg.recipients == ("a@example.com", "b@example.com")
    assert msg.peer == "127.0.0.1:5555"
    assert msg.auth_user == "ann"
    assert msg.tls is True
    assert msg.received_at == when


def test_received_at_defaults_to_now_in_utc() -> None:
    before = datetime.now(timezone.utc)
    msg = Message(b"Subject: x\r\n\r\n")
    after = datetime.now(timezone.utc)
    assert msg.received_at.tzinfo is not None
    assert before <= msg.received_at <= after


def test_ids_are_unique_and_increase_in_arrival_order() -> None:
    messages = [Message(b"Subject: x\r\n\r\n") for _ in range(50)]
    ids = [m.id for m in messages]
    assert len(set(ids)) == 50
    assert ids == sorted(ids)
    assert [m.seq for m in messages] == sorted(m.seq for m in messages)


# -- subject -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Plain ASCII subject", "Plain ASCII subject"),
        ("=?utf-8?q?Caf=C3=A9_au_lait?=", "Café au lait"),
        ("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        (
            "=?iso-8859-1?b?"
            + base64.b64encode("Grüße aus Köln".encode("latin-1")).decode()
            + "?=",
            "Grüße aus Köln",
        ),
        ("=?utf-8?b?" + base64.b64encode("日本語の件名".encode()).decode() + "?=", "日本語の件名"),
        # Whitespace between adjacent encoded words is not part of the text (RFC 2047 6.2).
        ("=?utf-8?q?one?= =?utf-8?q?_two?=", "one two"),
        ("Re: =?utf-8?q?r=C3=A9sum=C3=A9?= attached", "Re: résumé attached"),
    ],
)
def test_subject_is_rfc2047_decoded(header: str, expected: str) -> None:
    msg = Message(crlf(f"Subject: {header}\n\nbody\n"))
    assert msg.subject == expected


def test_folded_subject_is_unfolded() -> None:
    msg = Message(crlf("Subject: a long subject\n that goes on\n\tand on\n\nbody\n"))
    assert msg.subject == "a long subject that goes on\tand on"


def test_missing_subject_is_empty_string() -> None:
    assert Message(crlf("From: a@example.com\n\nbody\n")).subject == ""


def test_non_ascii_subject_set_by_email_package_round_trips() -> None:
    msg = base_message("Ваш заказ №42 — подтверждение ✓")
    msg.set_content("x")
    assert wire(msg).subject == "Ваш заказ №42 — подтверждение ✓"


# -- addresses -----------------------------------------------------------------------


def test_from_is_an_address_with_name_and_formatted() -> None:
    msg = Message(crlf("From: Ann Example <ann@example.com>\n\n"))
    sender = msg.from_
    assert isinstance(sender, Address)
    assert isinstance(sender, str)
    assert sender == "ann@example.com"
    assert sender.addr == "ann@example.com"
    assert sender.name == "Ann Example"
    assert sender.formatted == "Ann Example <ann@example.com>"
    assert repr(sender) == "Address('ann@example.com', name='Ann Example')"


def test_bare_address_has_no_name_and_formats_as_itself() -> None:
    sender = Message(crlf("From: ann@example.com\n\n")).from_
    assert sender == "ann@example.com"
    assert sender is not None
    assert sender.name == ""
    assert sender.formatted == "ann@example.com"


def test_encoded_display_name_is_decoded() -> None:
    msg = Message(crlf("From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <jm@example.de>\n\n"))
    assert msg.from_ == "jm@example.de"
    assert msg.from_ is not None
    assert msg.from_.name == "Jörg Müller"


def test_to_cc_reply_to_are_lists_of_addresses_in_order() -> None:
    msg = Message(
        crlf(
            "From: a@example.com\n"
            'To: "Bob, Jr." <bob@example.com>, carol@example.com\n'
            "Cc: Dan <dan@example.com>\n"
            "Cc: eve@example.com\n"
            "Reply-To: Help Desk <help@example.com>\n\n"
        )
    )
    assert msg.to == ["bob@example.com", "carol@example.com"]
    assert [a.name for a in msg.to] == ["Bob, Jr.", ""]
    assert msg.to[0].formatted == "Bob, Jr. <bob@example.com>"
    assert "carol@example.com" in msg.to
    assert msg.cc == ["dan@example.com", "eve@example.com"]
    assert msg.reply_to == ["help@example.com"]
    assert msg.reply_to[0].name == "Help Desk"
    assert all(isinstance(a, Address) for a in [*msg.to, *msg.cc, *msg.reply_to])


def test_missing_address_headers_give_none_and_empty_lists() -> None:
    msg = Message(crlf("Subject: x\n\n"))
    assert msg.from_ is None
    assert msg.to == []
    assert msg.cc == []
    assert msg.reply_to == []


def test_group_without_members_gives_no_addresses() -> None:
    msg = Message(crlf("To: undisclosed-recipients:;\n\n"), recipients=["a@example.com"])
    assert msg.to == []
    assert msg.bcc == ["a@example.com"]


# -- bcc -----------------------------------------------------------------------------


def test_bcc_is_envelope_recipients_absent_from_to_and_cc() -> None:
    msg = Message(
        crlf("To: Bob <Bob@Example.com>\nCc: carol@example.com\n\n"),
        recipients=[
            "hidden1@example.com",
            "bob@example.com",  # named in To, with other case
            "CAROL@EXAMPLE.COM",  # named in Cc, with other case
            "hidden2@example.com",
        ],
    )
    assert msg.bcc == ["hidden1@example.com", "hidden2@example.com"]
    assert all(isinstance(a, Address) for a in msg.bcc)


def test_no_bcc_when_every_recipient_is_named() -> None:
    msg = Message(crlf("To: a@example.com, b@example.com\n\n"), recipients=["b@example.com"])
    assert msg.bcc == []


# -- date and message id -------------------------------------------------------------


def test_date_is_parsed_with_its_offset() -> None:
    msg = Message(crlf("Date: Fri, 27 Nov 2026 10:30:00 +0100\n\n"))
    assert msg.date == datetime(2026, 11, 27, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert msg.date is not None
    assert msg.date.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("value", ["not a date", "Mon, 99 Foo 2026 99:99:99 +9999", ""])
def test_unparseable_date_is_none(value: str) -> None:
    assert Message(crlf(f"Date: {value}\n\n")).date is None


def test_missing_date_is_none() -> None:
    assert Message(crlf("Subject: x\n\n")).date is None


def test_message_id() -> None:
    msg = Message(crlf("Message-ID:   <abc.123@example.com>\n\n"))
    assert msg.message_id == "<abc.123@example.com>"
    assert Message(crlf("Subject: x\n\n")).message_id is None


def test_malformed_message_id_is_returned_as_written() -> None:
    # The header parser of policy.default raises on this one.
    msg = Message(crlf("Message-ID: <<<>>>\n\n"))
    assert msg.message_id == "<<<>>>"


# -- headers -------------------------------------------------------------------------


def headers_message() -> Message:
    return Message(
        crlf(
            "Received: from a by b; Fri, 27 Nov 2026 10:00:00 +0000\n"
            "Subject: =?utf-8?q?Caf=C3=A9?=\n"
            "X-Tag: first\n"
            "received: from c by d; Fri, 27 Nov 2026 10:01:00 +0000\n"
            "X-TAG: second\n"
            "Received: from e by f; Fri, 27 Nov 2026 10:02:00 +0000\n\n"
            "body\n"
        )
    )


def test_headers_are_case_insensitive() -> None:
    headers = headers_message().headers
    assert isinstance(headers, Headers)
    assert headers["subject"] == headers["SUBJECT"] == headers["Subject"]
    assert "x-tag" in headers
    assert "X-Tag" in headers
    assert "X-Missing" not in headers
    assert 42 not in headers
    with pytest.raises(KeyError):
        headers["X-Missing"]
    assert headers.get("X-Missing") is None
    assert headers.get("x-tag") == "first"


def test_headers_keep_every_value_in_order() -> None:
    headers = headers_message().headers
    assert headers.get_all("RECEIVED") == [
        "from a by b; Fri, 27 Nov 2026 10:00:00 +0000",
        "from c by d; Fri, 27 Nov 2026 10:01:00 +0000",
        "from e by f; Fri, 27 Nov 2026 10:02:00 +0000",
    ]
    assert headers.get_all("x-tag") == ["first", "second"]
    assert headers.get_all("x-missing") == []
    assert [name for name, _ in headers.items_all()] == [
        "Received",
        "Subject",
        "X-Tag",
        "received",
        "X-TAG",
        "Received",
    ]


def test_header_names_iterate_once_each_as_first_written() -> None:
    headers = headers_message().headers
    assert list(headers) == ["Received", "Subject", "X-Tag"]
    assert len(headers) == 3
    assert dict(headers) == {
        "Received": "from a by b; Fri, 27 Nov 2026 10:00:00 +0000",
        "Subject": "Café",
        "X-Tag": "first",
    }


def test_header_values_are_decoded() -> None:
    assert headers_message().headers["subject"] == "Café"


# -- text and html bodies ------------------------------------------------------------


def test_plain_message_has_text_and_no_html() -> None:
    msg = base_message()
    msg.set_content("Just text.\nSecond line.\n")
    captured = wire(msg)
    assert captured.text is not None
    assert captured.text.splitlines() == ["Just text.", "Second line."]
    assert captured.html is None
    assert captured.attachments == []


def test_alternative_gives_text_and_html() -> None:
    captured = wire(alternative("the text\n", "<p>the html</p>\n"))
    assert captured.text is not None
    assert captured.html is not None
    assert captured.text.strip() == "the text"
    assert captured.html.strip() == "<p>the html</p>"
    assert captured.attachments == []


def test_bodies_are_found_inside_mixed_with_attachments() -> None:
    msg = alternative("nested text\n", "<b>nested html</b>\n")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    captured = wire(msg)
    assert captured.as_email().get_content_type() == "multipart/mixed"
    assert captured.text is not None
    assert captured.html is not None
    assert captured.text.strip() == "nested text"
    assert captured.html.strip() == "<b>nested html</b>"


def test_lone_html_message_has_html_and_no_text() -> None:
    msg = base_message()
    msg.set_content("<h1>Only HTML</h1>\n", subtype="html")
    captured = wire(msg)
    assert captured.html is not None
    assert captured.html.strip() == "<h1>Only HTML</h1>"
    assert captured.text is None
    assert captured.attachments == []


def test_html_inside_related_is_found() -> None:
    msg = alternative("t\n", '<img src="cid:logo@x">\n')
    html_part = list(msg.iter_parts())[1]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(b"\x89PNG", maintype="image", subtype="png", cid="<logo@x>")
    captured = wire(msg)
    assert captured.html is not None
    assert 'src="cid:logo@x"' in captured.html


@pytest.mark.parametrize(
    ("charset", "cte", "payload"),
    [
        ("utf-8", "8bit", "Grüße, 東京".encode()),
        ("iso-8859-1", "8bit", "Grüße".encode("latin-1")),
        ("utf-8", "quoted-printable", b"Gr=C3=BC=C3=9Fe=\r\n, soft break"),
        ("utf-8", "base64", base64.b64encode("Grüße, 東京".encode())),
    ],
)
def test_text_is_decoded_from_its_charset_and_transfer_encoding(
    charset: str, cte: str, payload: bytes
) -> None:
    raw = (
        crlf(f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {cte}\n\n")
        + payload
        + b"\r\n"
    )
    text = Message(raw).text
    assert text is not None
    assert text.startswith("Grüße")


# -- attachments ---------------------------------------------------------------------


def test_attachments_have_filename_type_size_and_exact_content() -> None:
    csv = b"a,b\r\n1,2\n3,4\r\n"  # mixed line ends must survive as attached
    msg = alternative()
    msg.add_attachment(ALL_BYTES, maintype="application", subtype="octet-stream", filename="b.bin")
    msg.add_attachment(csv, maintype="text", subtype="csv", filename="data.csv")
    msg.add_attachment(
        b"%PDF-1.4\n%\xe2\xe3", maintype="application", subtype="pdf", filename="r.pdf"
    )
    atts = wire(msg).attachments
    assert [a.filename for a in atts] == ["b.bin", "data.csv", "r.pdf"]
    assert [a.content_type for a in atts] == [
        "application/octet-stream",
        "text/csv",
        "application/pdf",
    ]
    assert atts[0].content == ALL_BYTES
    assert atts[1].content == csv
    assert atts[2].content == b"%PDF-1.4\n%\xe2\xe3"
    assert [a.size for a in atts] == [256, len(csv), 12]
    assert not any(a.inline for a in atts)
    assert all(a.content_id is None for a in atts)


def test_attachment_part_numbers_follow_imap() -> None:
    # multipart/mixed
    #   1   multipart/alternative
    #   1.1   text/plain
    #   1.2   multipart/related
    #   1.2.1   text/html
    #   1.2.2   image/png (inline)
    #   2   application/pdf
    #   3   text/plain attachment
    msg = alternative("t\n", '<img src="cid:logo@x">\n')
    html_part = list(msg.iter_parts())[1]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(b"\x89PNG..", maintype="image", subtype="png", cid="<logo@x>")
    msg.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="a.pdf")
    msg.add_attachment(b"notes\n", maintype="text", subtype="plain", filename="notes.txt")
    atts = wire(msg).attachments
    assert [(a.part, a.content_type) for a in atts] == [
        ("1.2.2", "image/png"),
        ("2", "application/pdf"),
        ("3", "text/plain"),
    ]


def test_single_part_attachment_message_is_part_1() -> None:
    raw = crlf(
        "Content-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="only.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n"
    ) + base64.b64encode(b"%PDF-only")
    atts = Message(raw).attachments
    assert len(atts) == 1
    assert atts[0].part == "1"
    assert atts[0].filename == "only.pdf"
    assert atts[0].content == b"%PDF-only"


def test_inline_image_in_related_has_content_id_and_is_inline() -> None:
    msg = alternative("t\n", '<img src="cid:logo.123@example.com">\n')
    html_part = list(msg.iter_parts())[1]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        b"\x89PNGdata",
        maintype="image",
        subtype="png",
        cid="<logo.123@example.com>",
        filename="logo.png",
        disposition="inline",
    )
    captured = wire(msg)
    (image,) = captured.attachments
    assert image.inline is True
    assert image.content_id == "logo.123@example.com"
    assert image.filename == "logo.png"
    assert image.content == b"\x89PNGdata"
    assert captured.html is not None  # the image does not hide the HTML body


def test_content_id_without_disposition_counts_as_inline() -> None:
    msg = alternative("t\n", "<p>x</p>\n")
    html_part = list(msg.iter_parts())[1]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(b"GIF89a", maintype="image", subtype="gif", cid="<pic@x>")
    (image,) = wire(msg).attachments
    assert image.inline is True
    assert image.content_id == "pic@x"
    assert image.filename is None


def test_inline_disposition_with_filename_is_inline_and_attachment_is_not() -> None:
    msg = alternative()
    msg.add_attachment(
        b"img", maintype="image", subtype="jpeg", filename="in.jpg", disposition="inline"
    )
    msg.add_attachment(b"doc", maintype="application", subtype="pdf", filename="out.pdf")
    inline, attached = wire(msg).attachments
    assert (inline.filename, inline.inline) == ("in.jpg", True)
    assert (attached.filename, attached.inline) == ("out.pdf", False)


def test_extra_text_part_without_filename_is_not_an_attachment() -> None:
    # Mailing lists append a footer as a second text/plain part.
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nbody\n"
        "--b\nContent-Type: text/plain\n\n-- list footer\n"
        "--b--\n"
    )
    assert Message(raw).attachments == []


def test_non_ascii_filename_is_decoded() -> None:
    msg = alternative()
    msg.add_attachment(
        b"x", maintype="application", subtype="pdf", filename="Rechnung für März.pdf"
    )
    (att,) = wire(msg).attachments
    assert att.filename == "Rechnung für März.pdf"


def test_attached_message_is_one_attachment_with_its_bytes() -> None:
    inner = base_message("The original")
    inner.set_content("original body\n")
    inner.add_attachment(
        ALL_BYTES, maintype="application", subtype="octet-stream", filename="i.bin"
    )
    outer = base_message("Fwd: The original")
    outer.set_content("see attached\n")
    outer.add_attachment(inner)
    captured = wire(outer)
    (att,) = captured.attachments
    assert att.content_type == "message/rfc822"
    assert att.part == "2"
    assert att.content == inner.as_bytes(policy=policy.SMTP)
    forwarded = Message(att.content)
    assert forwarded.subject == "The original"
    assert [a.content for a in forwarded.attachments] == [ALL_BYTES]
    assert captured.text is not None
    assert captured.text.strip() == "see attached"


def test_delivery_report_parts_are_attachments() -> None:
    raw = crlf(
        "From: MAILER-DAEMON@example.com\n"
        "Subject: Undelivered Mail\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nCould not deliver.\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; gone@example.com\nAction: failed\n\n"
        "--b\nContent-Type: message/rfc822\n\nSubject: original\nFrom: me@example.com\n\nhi\n"
        "--b--\n"
    )
    msg = Message(raw)
    assert msg.text == "Could not deliver."
    status, original = msg.attachments
    assert (status.part, status.content_type) == ("2", "message/delivery-status")
    assert b"Final-Recipient: rfc822; gone@example.com" in status.content
    assert (original.part, original.content_type) == ("3", "message/rfc822")
    assert Message(original.content).subject == "original"


# -- as_email ------------------------------------------------------------------------


def test_as_email_returns_a_fresh_object_each_time() -> None:
    captured = wire(alternative())
    first = captured.as_email()
    assert isinstance(first, EmailMessage)
    assert first["Subject"] == "Hello"
    del first["Subject"]
    first["Subject"] = "changed"
    second = captured.as_email()
    assert second is not first
    assert second["Subject"] == "Hello"
    assert captured.subject == "Hello"
    assert first is not captured.parsed.email


# -- defects -------------------------------------------------------------------------


def test_well_formed_message_has_no_defects() -> None:
    assert wire(alternative()).defects == []


def test_defects_are_listed_for_broken_mime() -> None:
    raw = crlf("Content-Type: multipart/mixed\n\n--b\nContent-Type: text/plain\n\nhi\n--b--\n")
    defects = Message(raw).defects
    assert defects
    assert any("Boundary" in d for d in defects)
    assert all(isinstance(d, str) for d in defects)


def test_bad_base64_is_a_defect() -> None:
    raw = crlf("Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!notbase64@@@=\n")
    assert any("Base64" in d for d in Message(raw).defects)


# -- broken MIME never raises --------------------------------------------------------

BROKEN = {
    "missing boundary": crlf(
        "Subject: x\nContent-Type: multipart/mixed\n\n--b\nContent-Type: text/plain\n\nhi\n--b--\n"
    ),
    "bad base64 body": crlf(
        "Subject: x\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!@@@=\n"
    ),
    "bad base64 attachment": crlf(
        "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nhi\n"
        "--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n"
        "Content-Transfer-Encoding: base64\n\nQUJD!!!x\n--b--\n"
    ),
    "unknown charset": b"Subject: =?x-unknown?q?caf=E9?=\r\n"
    b"Content-Type: text/plain; charset=x-unknown\r\n\r\ncaf\xe9 code 123456\r\n",
    "unknown charset html": b"Content-Type: text/html; charset=x-unknown\r\n\r\n"
    b"<a href='https://x.example/a'>caf\xe9</a>\r\n",
    "garbage header bytes": b"Subject: \xff\xfe\x00garbage\r\nFrom: \x80\x81 <a@b.example>\r\n"
    b"To: ,,,<<>>@@\r\nDate: \xff\r\n\r\nbody\r\n",
    "non-utf8 8-bit headers": b"Subject: caf\xe9 cr\xe8me\r\nFrom: Ren\xe9 <rene@example.com>\r\n"
    b"To: Z\xfcrich <z@example.com>\r\n\r\nbody\r\n",
    "truncated": crlf(
        "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nhi there\n"
        "--b\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nQUJD"
    ),
    "truncated in headers": b"Subject: cut off\r\nContent-Type: multipart/mix",
    "empty": b"",
    "only headers": b"Subject: only headers\r\nFrom: a@example.com\r\n",
    "no headers at all": b"this is not a header\r\nnor this\r\n",
    "nul bytes": b"\x00\x00\x00",
    "bad quoted-printable": crlf("Content-Transfer-Encoding: quoted-printable\n\n=ZZ=\n"),
    "unknown transfer encoding": crlf("Content-Transfer-Encoding: x-weird\n\nhi\n"),
    "garbage content-type": crlf("Content-Type: ;;;==\n\nhi\n"),
    "broken encoded words": crlf("Subject: =?utf-8?b?!!!?= =?utf-8?q?=FF=FE?=\n\n"),
    "broken rfc2231 filename": crlf(
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename*=x-unknown''%FF%FE\n\nxx"
    ),
    "junk ids and groups": crlf(
        "Message-ID: <<<>>>\nReply-To: :;\nCc: undisclosed-recipients:;\nContent-ID: <<>\n\n"
    ),
    "8-bit filename": b"Content-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="r\xe9sum\xe9.pdf"\r\n\r\n%PDF',
    "boundary never used": crlf("Content-Type: multipart/alternative; boundary=zz\n\nno parts\n"),
    "nested broken rfc822": crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: message/rfc822\n\nContent-Type: multipart/mixed\n\n--\n--b--\n"
    ),
    "bare LF and lone CR": b"Subject: lf\nFrom: a@example.com\r\rTo: b\n\nbody\rmore\n",
}


def read_everything(msg: Message) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(msg, name) for name in ACCESSORS}
    values["summary"] = msg.summary()
    values["repr"] = repr(msg)
    values["as_email"] = msg.as_email()
    headers = msg.headers
    values["header_items"] = [(name, headers[name], headers.get_all(name)) for name in headers]
    return values


def all_strings(value: object) -> list[str]:
    """Every string reachable in an accessor's value, for the UTF-8 check."""
    if isinstance(value, str):
        return [value, getattr(value, "name", "")]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in all_strings(v)]
    if isinstance(value, Headers):
        return [s for pair in value.items_all() for s in pair]
    if isinstance(value, Attachment):
        return [s for s in (value.filename, value.content_type, value.content_id, value.part) if s]
    return []


@pytest.mark.parametrize("raw", list(BROKEN.values()), ids=list(BROKEN))
def test_broken_mime_never_raises_and_raw_is_unchanged(raw: bytes) -> None:
    copy = bytes(raw)
    msg = Message(raw, sender="s@example.com", recipients=["r@example.com"])
    values = read_everything(msg)
    assert msg.raw == copy
    assert msg.size == len(copy)
    # Every string a user gets back can be printed, logged and sent as JSON.
    for name in ACCESSORS:
        for text in all_strings(values[name]):
            text.encode("utf-8")
    assert isinstance(values["subject"], str)
    assert "s@example.com" in str(values["summary"])


def test_broken_mime_degrades_to_what_could_be_read() -> None:
    assert Message(BROKEN["unknown charset"]).text == "caf\ufffd code 123456\n"
    assert Message(BROKEN["unknown charset"]).codes == ["123456"]
    assert Message(BROKEN["unknown charset html"]).links == ["https://x.example/a"]
    truncated = Message(BROKEN["truncated"])
    assert truncated.text == "hi there"
    assert [a.filename for a in truncated.attachments] == ["a.pdf"]
    bad_attachment = Message(BROKEN["bad base64 attachment"])
    assert bad_attachment.text == "hi"
    assert [a.filename for a in bad_attachment.attachments] == ["a.pdf"]
    only_headers = Message(BROKEN["only headers"])
    assert only_headers.subject == "only headers"
    assert only_headers.from_ == "a@example.com"
    assert not only_headers.text
    empty = Message(b"")
    assert (empty.subject, empty.from_, empty.to, empty.attachments) == ("", None, [], [])


def test_non_utf8_header_bytes_become_replacement_characters() -> None:
    msg = Message(BROKEN["non-utf8 8-bit headers"])
    assert msg.subject == "caf\ufffd cr\ufffdme"
    assert msg.from_ == "rene@example.com"
    assert msg.from_ is not None
    assert msg.from_.name == "Ren\ufffd"
    assert msg.from_.formatted.encode("utf-8")
    assert msg.to == ["z@example.com"]
    assert msg.headers["from"] == "Ren\ufffd <rene@example.com>"


# -- summary and repr ----------------------------------------------------------------


def test_summary_names_sender_recipients_and_subject() -> None:
    msg = Message(
        crlf("Subject: Welcome\n\n"), sender="app@example.com", recipients=["a@x.io", "b@x.io"]
    )
    assert msg.summary() == "from app@example.com to a@x.io, b@x.io: 'Welcome'"
    null = Message(crlf("Subject: Bounce\n\n"))
    assert null.summary() == "from <> to -: 'Bounce'"


def test_repr_shows_id_envelope_subject_and_size() -> None:
    raw = crlf("Subject: Welcome\n\nbody\n")
    msg = Message(raw, sender="app@example.com", recipients=["a@x.io"])
    text = repr(msg)
    assert msg.id in text
    assert "'app@example.com'" in text
    assert "['a@x.io']" in text
    assert "'Welcome'" in text
    assert f"size={len(raw)}" in text


def test_parsed_view_is_cached() -> None:
    msg = wire(alternative())
    assert msg.parsed is msg.parsed
    assert msg.attachments is msg.attachments


def test_text_and_html_use_newline_line_breaks_while_raw_keeps_crlf() -> None:
    raw = (
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nHello\r\nWorld\r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n<p>World</p>\r\n--b--\r\n"
    )
    msg = Message(raw)
    assert msg.text == "Hello\nWorld"  # the last CRLF belongs to the boundary
    assert msg.html == "<p>Hello</p>\n<p>World</p>"
    assert msg.raw == raw


def test_a_multipart_without_its_boundary_lists_no_bogus_attachment() -> None:
    raw = b'Content-Type: multipart/mixed; boundary="nope"\r\n\r\nplain words\r\n'
    msg = Message(raw)
    assert msg.attachments == []
    assert msg.defects
