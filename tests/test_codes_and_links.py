"""One-time codes and links: what a sign-up or password-reset test reads from a mail."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest

from mailtrap_py.message import Message, find_codes


def mail(*, subject: str = "Hello", text: str | None = None, html: str | None = None) -> Message:
    msg = EmailMessage()
    msg["From"] = "noreply@example.com"
    msg["To"] = "ann@example.com"
    msg["Subject"] = subject
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content("")
    return Message(msg.as_bytes(policy=policy.SMTP))


# -- codes ---------------------------------------------------------------------------

FOUND = [
    ("Your code is 123456", ["123456"]),
    ("Your code is 123456.", ["123456"]),
    ("123456 is your verification code", ["123456"]),
    ("Your verification code is: 004512", ["004512"]),
    ("code: 482 913", ["482913"]),
    ("Your code: 482-913", ["482913"]),
    ("Your code: X7K9Q2", ["X7K9Q2"]),
    ("Your verification code: X7K9Q2", ["X7K9Q2"]),
    ("Your login code is X7K9Q2, it expires soon", ["X7K9Q2"]),
    ("Your verification token: 9F3A2B", ["9F3A2B"]),
    ("CODE: ABC123DEF4", ["ABC123DEF4"]),
    ("Use 4821 to sign in", ["4821"]),
    ("OTP 5521", ["5521"]),
    ("Your PIN is 0000", ["0000"]),
    ("Your one-time password is 90210417.", ["90210417"]),
    ("Your Amazon OTP is 123456. Do not share it.", ["123456"]),
    ("Code:123456", ["123456"]),
    ("(123456)", ["123456"]),
    ("Verification code\n\n483920\n\nThis code expires in 10 minutes.", ["483920"]),
    ("Your code is\n123456", ["123456"]),
    # A year-like number is a code when a keyword names it as one.
    ("Your code is 2026", ["2026"]),
    ("Code 1999", ["1999"]),
    # A code among the numbers a real mail has around it.
    ("Your code is 123456 and expires at 10:30 on 27/11/2026", ["123456"]),
    ("Phone: 555-123-4567 Code: 998877", ["998877"]),
    ("Your code: 482 913, valid until 10:30", ["482913"]),
    ("Total $1,234 for order. Your code is 5678", ["5678"]),
    ("Your code is 123456 10 minutes from now", ["123456"]),
    ("© 2026 Example Inc. Your code: 771234", ["771234"]),
    # Most likely first, each once.
    ("Enter 111111 or, if asked for a code: 222222", ["222222", "111111"]),
    ("Your code 4821. Again: your code 4821", ["4821"]),
]

NOT_FOUND = [
    # dates
    "Meeting on 2026-11-27",
    "Meeting on 27/11/2026",
    "Meeting on 27.11.2026",
    "Meeting on 2026/11/27",
    "Nov 27, 2026",
    "Mon, 27 Nov 2026 10:30:00 +0000",
    "Valid until 2026-11-27",
    "The code expires on 27/11/2026",
    "Your code: 2026-11-27",
    # times
    "See you at 10:30",
    "See you at 10:30:45",
    "Code valid until 10:30",
    # prices
    "Total $1234",
    "Total 1,234.00",
    "Total: 1234.00",
    "Price 12.50 EUR",
    "Pay €2500",
    "Pay € 2500",
    "Pay 2500€",
    "Pay 2500 €",
    "Pay £1999",
    "Pay ¥12345",
    "Pay ₹12345",
    "Price 1234$",
    "Price: EUR 2500",
    "Price: 1234 USD",
    "Price: CHF 1234",
    "That is 1234 dollars",
    "1.234,00 €",
    # percentages
    "Save 15% now",
    "Growth of 1500%",
    "Growth of 1500 %",
    "Growth of 1500 percent",
    # phone numbers
    "Call +1 555 123 4567",
    "Call (555) 123-4567",
    "Call (555)123-4567",
    "Call 555-1234",
    "Call 555 1234",
    "Call 555.123.4567",
    "Call 1-800-555-1234",
    "Call +44 20 7946 0958",
    "Tel: 020 7946 0958",
    "Call +15551234567",
    "Verification code sent to +1 555 123 4567",
    # years alone
    "© 2026 Example Inc",
    "Copyright 2025-2026 Example Inc",
    "In 2026 we grew",
    "Your code expires in 2026",
    "The Code of Conduct 2026",
    # identifiers glued to letters or marks
    "ORDER1234",
    "Your order 1234abc",
    "ref ABC1234",
    "Invoice INV-2026-0001",
    "Order #12345",
    "USD1234",
    # lowercase words with digits and too short or too long numbers
    "Your login code: ab12cd",
    "Code 123",
    "Number 123456789",
    "Version 1.2345",
    "code 12 34 56",
    "",
]


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_find_codes_finds_one_time_codes(text: str, expected: list[str]) -> None:
    assert find_codes(text) == expected


@pytest.mark.parametrize("text", NOT_FOUND)
def test_find_codes_ignores_other_numbers(text: str) -> None:
    assert find_codes(text) == []


def test_code_in_subject_is_found() -> None:
    msg = mail(subject="123456 is your verification code", text="Thanks for signing up.\n")
    assert msg.codes == ["123456"]


def test_code_in_text_body_is_found() -> None:
    msg = mail(text="Hi Ann,\n\nYour code is 482913.\n\nCall +1 555 123 4567 for help.\n")
    assert msg.codes == ["482913"]


def test_code_in_html_only_message_is_found_in_the_rendered_text() -> None:
    html = (
        "<html><head><style>p { margin: 1234px }</style></head>"
        "<body><p>Your code is</p><p><b>654321</b></p>"
        "<p>&copy; 2026 Example Inc</p></body></html>"
    )
    msg = mail(html=html)
    assert msg.text is None
    assert msg.codes == ["654321"]


def test_text_part_is_preferred_over_html_for_codes() -> None:
    msg = mail(text="Your code is 111222\n", html="<p>Your code is 333444</p>")
    assert msg.codes == ["111222"]


def test_message_without_codes_has_none() -> None:
    msg = mail(
        subject="Your order of 27/11/2026",
        text="Total: $1,234.00 (15% off). Questions? Call (555) 123-4567.\n© 2026 Shop\n",
    )
    assert msg.codes == []


# -- links ---------------------------------------------------------------------------


def test_html_hrefs_come_in_document_order_with_entities_decoded() -> None:
    html = (
        '<a href="https://example.com/confirm/abc?x=1&amp;y=2">Confirm</a>'
        "<a href='https://example.com/second'>2</a>"
        '<A HREF="HTTPS://EXAMPLE.COM/UPPER">3</A>'
        '<area href="https://example.com/map">'
        '<a href="  https://example.com/padded  ">4</a>'
    )
    assert mail(html=html).links == [
        "https://example.com/confirm/abc?x=1&y=2",
        "https://example.com/second",
        "HTTPS://EXAMPLE.COM/UPPER",
        "https://example.com/map",
        "https://example.com/padded",
    ]


def test_non_web_and_relative_hrefs_are_excluded() -> None:
    html = (
        '<a href="mailto:help@example.com">mail</a>'
        '<a href="/relative/path">rel</a>'
        '<a href="javascript:alert(1)">js</a>'
        '<a href="tel:+15551234567">tel</a>'
        '<a href="#top">top</a>'
        "<a name='anchor'>no href</a>"
        "<a href>empty</a>"
        '<link href="https://example.com/style.css">'
        '<img src="https://example.com/pixel.gif">'
        '<a href="http://example.com/kept">kept</a>'
    )
    assert mail(html=html).links == ["http://example.com/kept"]


def test_html_links_come_before_text_urls_without_duplicates() -> None:
    msg = mail(
        text="Confirm: https://example.com/confirm\nHelp: https://example.com/help\n",
        html='<a href="https://example.com/confirm">Confirm</a>',
    )
    assert msg.links == ["https://example.com/confirm", "https://example.com/help"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Go to https://example.com/a.", "https://example.com/a"),
        ("Go to https://example.com/a, then wait", "https://example.com/a"),
        ("Really? https://example.com/a!", "https://example.com/a"),
        ("Is it https://example.com/a?", "https://example.com/a"),
        ("Link: https://example.com/a;", "https://example.com/a"),
        ("Wait https://example.com/a...", "https://example.com/a"),
        ('He said "https://example.com/a"', "https://example.com/a"),
        ("(see https://example.com/a)", "https://example.com/a"),
        ("(see https://example.com/a).", "https://example.com/a"),
        ("[https://example.com/a]", "https://example.com/a"),
        ("{https://example.com/a}", "https://example.com/a"),
        ("<https://example.com/a>", "https://example.com/a"),
        ("[docs](https://example.com/a)", "https://example.com/a"),
        # Balanced brackets belong to the URL.
        (
            "https://en.wikipedia.org/wiki/Mercury_(planet)",
            "https://en.wikipedia.org/wiki/Mercury_(planet)",
        ),
        ("(https://en.wikipedia.org/wiki/A_(b))", "https://en.wikipedia.org/wiki/A_(b)"),
        ("http://[::1]", "http://[::1]"),
        ("https://example.com/q?a=1&b=2#frag", "https://example.com/q?a=1&b=2#frag"),
        ("https://example.com/ü?q=ä", "https://example.com/ü?q=ä"),
    ],
)
def test_text_urls_lose_trailing_punctuation_and_unbalanced_brackets(
    text: str, expected: str
) -> None:
    assert mail(text=text + "\n").links == [expected]


def test_text_urls_in_order() -> None:
    text = "First https://b.example/2 then http://a.example/1 and https://c.example/3.\n"
    assert mail(text=text).links == [
        "https://b.example/2",
        "http://a.example/1",
        "https://c.example/3",
    ]


@pytest.mark.parametrize(
    "text",
    ["ftp://example.com/file", "mailto:a@example.com", "www.example.com", "https://", "https://."],
)
def test_text_without_web_urls_has_no_links(text: str) -> None:
    assert mail(text=text + "\n").links == []


def test_message_without_body_has_no_links() -> None:
    assert Message(b"Subject: x\r\n").links == []
