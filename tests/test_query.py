"""Criteria: what a wait or an assertion looks for, and how it explains itself."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from mailtrap_py.message import Address, Message
from mailtrap_py.query import Criteria, CriteriaError, Term, describe_arrivals


def welcome(
    *,
    sender: str = "bounce@app.example",
    recipients: tuple[str, ...] = ("Ann@Example.com", "hidden@example.com"),
    attach: bool = True,
) -> Message:
    msg = EmailMessage()
    msg["From"] = "App Team <team@app.example>"
    msg["To"] = "Ann <ann@example.com>"
    msg["Cc"] = "Carol <carol@example.com>"
    msg["Subject"] = "Welcome aboard, Ann"
    msg["X-Campaign"] = "spring"
    msg["X-Campaign"] = "signup"
    msg.set_content("Hello Ann, confirm at https://app.example/confirm/42\n")
    msg.add_alternative("<p>Hello <b>Ann</b></p>\n", subtype="html")
    if attach:
        msg.add_attachment(
            b"%PDF", maintype="application", subtype="pdf", filename="invoice-2026.pdf"
        )
    return Message(msg.as_bytes(policy=policy.SMTP), sender=sender, recipients=recipients)


def plain(subject: str = "Plain", text: str = "just text\n") -> Message:
    msg = EmailMessage()
    msg["From"] = "x@example.com"
    msg["To"] = "y@example.com"
    msg["Subject"] = subject
    msg.set_content(text)
    return Message(
        msg.as_bytes(policy=policy.SMTP), sender="x@example.com", recipients=["y@example.com"]
    )


def matches(**criteria: Any) -> bool:
    return Criteria.of(**criteria).matches(welcome())


# -- address fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        # to: any envelope recipient, bcc included; a str is the whole address, any case.
        ({"to": "ann@example.com"}, True),
        ({"to": "ANN@EXAMPLE.COM"}, True),
        ({"to": "hidden@example.com"}, True),
        ({"to": "ann@example"}, False),
        ({"to": "nn@example.com"}, False),
        ({"to": "carol@example.com"}, False),  # named in Cc, not an envelope recipient
        ({"to": re.compile(r"^hidden@")}, True),
        ({"to": re.compile(r"^nobody@")}, False),
        ({"to": lambda addr: addr.endswith("@example.com")}, True),
        ({"to": lambda addr: addr.endswith("@other.example")}, False),
        # sender: the MAIL FROM address
        ({"sender": "BOUNCE@app.example"}, True),
        ({"sender": "team@app.example"}, False),
        ({"sender": re.compile(r"bounce")}, True),
        # from_: the From header; a regex also sees "Name <addr>"
        ({"from_": "team@app.example"}, True),
        ({"from_": "Team@App.Example"}, True),
        ({"from_": "bounce@app.example"}, False),
        ({"from_": re.compile(r"^App Team <")}, True),
        ({"from_": re.compile(r"^team@")}, True),
        ({"from_": lambda a: isinstance(a, Address) and a.name == "App Team"}, True),
        ({"from_": lambda a: a.name == "Someone"}, False),
        # cc and bcc
        ({"cc": "carol@example.com"}, True),
        ({"cc": "ann@example.com"}, False),
        ({"cc": re.compile(r"Carol")}, True),
        ({"bcc": "HIDDEN@example.com"}, True),
        ({"bcc": "ann@example.com"}, False),  # named in To, so not a blind copy
    ],
)
def test_address_fields(criteria: dict[str, Any], expected: bool) -> None:
    assert matches(**criteria) is expected


def test_from_never_matches_a_message_without_from() -> None:
    msg = Message(b"Subject: x\r\n\r\n", sender="a@example.com", recipients=["b@example.com"])
    assert not Criteria.of(from_=re.compile("")).matches(msg)
    assert not Criteria.of(from_=lambda a: True).matches(msg)


def test_null_sender_matches_empty_string() -> None:
    bounce = welcome(sender="")
    assert Criteria.of(sender="").matches(bounce)
    assert not Criteria.of(sender="bounce@app.example").matches(bounce)


# -- text fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        # a str is a substring, case-sensitive
        ({"subject": "Welcome"}, True),
        ({"subject": "welcome"}, False),
        ({"subject": "Welcome aboard, Ann"}, True),
        ({"subject": re.compile(r"(?i)^welcome")}, True),
        ({"subject": re.compile(r"^aboard")}, False),
        ({"subject": lambda s: len(s) > 10}, True),
        ({"text": "confirm at https://app.example/confirm/"}, True),
        ({"text": "<b>"}, False),
        ({"html": "<b>Ann</b>"}, True),
        ({"html": "confirm at"}, False),
        ({"html": re.compile(r"<p>.*</p>", re.S)}, True),
        # body: the text or the HTML
        ({"body": "confirm at"}, True),
        ({"body": "<b>Ann</b>"}, True),
        ({"body": "not in either"}, False),
        ({"body": lambda b: "Ann" in b}, True),
    ],
)
def test_text_fields(criteria: dict[str, Any], expected: bool) -> None:
    assert matches(**criteria) is expected


def test_missing_body_never_matches() -> None:
    msg = plain()
    assert msg.html is None
    assert not Criteria.of(html="").matches(msg)
    assert not Criteria.of(html=lambda h: True).matches(msg)
    assert Criteria.of(body="just text").matches(msg)


# -- header --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("X-Campaign", True),  # present
        ("x-campaign", True),
        ("X-Missing", False),
        (("x-campaign", "signup"), True),  # any value, substring
        (("X-CAMPAIGN", "spring"), True),
        (("X-Campaign", "autumn"), False),
        (("X-Campaign", re.compile(r"^sign")), True),
        (("X-Campaign", lambda v: v == "spring"), True),
        (("X-Missing", lambda v: True), False),
        ({"x-campaign": "spring", "subject": "Welcome"}, True),  # all must match
        ({"x-campaign": "spring", "subject": "Goodbye"}, False),
        ({}, True),
    ],
)
def test_header(header: Any, expected: bool) -> None:
    assert matches(header=header) is expected


# -- has_attachment ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("has_attachment", "with_attachment", "without_attachment"),
    [
        (True, True, False),
        (False, False, True),
        ("invoice", True, False),  # filename substring
        ("receipt", False, False),
        (re.compile(r"\.pdf$"), True, False),
        (re.compile(r"\.png$"), False, False),
        (lambda name: name.startswith("invoice-"), True, False),
    ],
)
def test_has_attachment(
    has_attachment: Any, with_attachment: bool, without_attachment: bool
) -> None:
    criteria = Criteria.of(has_attachment=has_attachment)
    assert criteria.matches(welcome(attach=True)) is with_attachment
    assert criteria.matches(welcome(attach=False)) is without_attachment


# -- where and combining -------------------------------------------------------------


def test_where_gets_the_message() -> None:
    seen: list[Message] = []
    msg = welcome()

    def big(m: Message) -> bool:
        seen.append(m)
        return m.size > 100

    assert Criteria.of(where=big).matches(msg)
    assert seen == [msg]
    assert not Criteria.of(where=lambda m: m.size > 10**9).matches(msg)


def test_all_terms_must_match() -> None:
    assert matches(to="ann@example.com", subject="Welcome", has_attachment=True)
    assert not matches(to="ann@example.com", subject="Goodbye", has_attachment=True)
    assert not matches(to="bob@example.com", subject="Welcome")


def test_empty_criteria_match_everything_and_are_falsy() -> None:
    criteria = Criteria.of()
    assert not criteria
    assert criteria.matches(welcome())
    assert criteria.describe() == "any message"
    assert Criteria.of(subject="x")


def test_filter_keeps_matches_in_order() -> None:
    a, b, c = plain("one"), plain("two"), plain("one more")
    assert Criteria.of(subject="one").filter([a, b, c]) == [a, c]
    assert Criteria.of(subject="none").filter([a, b, c]) == []


def test_none_means_no_criterion() -> None:
    assert Criteria.of(to=None, subject=None, header=None, has_attachment=None) == Criteria.of()


# -- negation ------------------------------------------------------------------------


def test_negated_term_inverts_the_match() -> None:
    msg = welcome()
    assert Term("subject", "Welcome").matches(msg)
    assert not Term("subject", "Welcome", negate=True).matches(msg)
    assert Term("subject", "Goodbye", negate=True).matches(msg)
    assert Term("has_attachment", False, negate=True).matches(msg)
    assert not Term("to", "hidden@example.com", negate=True).matches(msg)


def test_criteria_with_a_negated_term() -> None:
    criteria = Criteria((Term("to", "ann@example.com"), Term("subject", "Goodbye", negate=True)))
    assert criteria.matches(welcome())
    assert criteria.describe() == "to == 'ann@example.com' and not (subject contains 'Goodbye')"


# -- describe ------------------------------------------------------------------------


def named_predicate(value: str) -> bool:
    return bool(value)


@pytest.mark.parametrize(
    ("criteria", "description"),
    [
        ({"to": "ann@example.com"}, "to == 'ann@example.com'"),
        ({"sender": "a@x.io"}, "sender == 'a@x.io'"),
        ({"from_": re.compile(r"^team@")}, "from_ matches /^team@/"),
        ({"cc": named_predicate}, "cc satisfies named_predicate()"),
        ({"subject": "Welcome"}, "subject contains 'Welcome'"),
        ({"text": re.compile(r"\d{6}")}, r"text matches /\d{6}/"),
        ({"body": "hi"}, "body contains 'hi'"),
        ({"header": "X-Campaign"}, "header 'X-Campaign' present"),
        ({"header": ("X-Campaign", "spring")}, "header 'X-Campaign' contains 'spring'"),
        (
            {"header": {"X-A": "1", "X-B": re.compile("2")}},
            "header 'X-A' contains '1' and header 'X-B' matches /2/",
        ),
        ({"has_attachment": True}, "has an attachment"),
        ({"has_attachment": False}, "has no attachment"),
        ({"has_attachment": ".pdf"}, "attachment filename contains '.pdf'"),
        ({"where": named_predicate}, "where satisfies named_predicate()"),
        ({"where": lambda m: True}, "where satisfies <lambda>()"),
        (
            {"to": "a@x.io", "subject": "Hi", "has_attachment": True},
            "to == 'a@x.io' and subject contains 'Hi' and has an attachment",
        ),
    ],
)
def test_describe_spells_out_the_criteria(criteria: dict[str, Any], description: str) -> None:
    assert Criteria.of(**criteria).describe() == description


def test_describe_negated_terms() -> None:
    assert Term("to", "a@x.io", negate=True).describe() == "not (to == 'a@x.io')"
    assert Term("header", ("X-A", None), negate=True).describe() == "not (header 'X-A' present)"
    assert Term("has_attachment", True, negate=True).describe() == "not (has an attachment)"


# -- bad criteria --------------------------------------------------------------------


@pytest.mark.parametrize(
    "criteria",
    [
        {"to": 42},
        {"sender": ["a@x.io"]},
        {"from_": b"a@x.io"},
        {"cc": True},
        {"subject": b"bytes"},
        {"text": 1.5},
        {"html": object()},
        {"body": re.compile(rb"bytes pattern")},
        {"header": 42},
        {"header": ("only-a-name",)},
        {"header": ("a", "b", "c")},
        {"header": (1, "value")},
        {"header": ("X-A", None)},
        {"header": ("X-A", 3)},
        {"header": {"X-A": 3}},
        {"has_attachment": 3},
        {"has_attachment": re.compile(rb"\.pdf")},
        {"where": "not callable"},
    ],
)
def test_unusable_matchers_raise_criteria_error(criteria: dict[str, Any]) -> None:
    with pytest.raises(CriteriaError):
        Criteria.of(**criteria)


def test_criteria_error_names_the_field_and_type() -> None:
    with pytest.raises(CriteriaError, match=r"subject= takes .* not int"):
        Criteria.of(subject=42)  # type: ignore[arg-type]
    assert issubclass(CriteriaError, ValueError)


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(TypeError):
        Criteria.of(recipient="a@x.io")  # type: ignore[call-arg]
    with pytest.raises(CriteriaError, match="unknown field"):
        Term("recipient", "a@x.io").matches(welcome())


# -- describe_arrivals ---------------------------------------------------------------


def test_describe_arrivals_lists_sender_recipients_and_subject() -> None:
    first = welcome()
    second = plain("Second one")
    text = describe_arrivals([first, second])
    assert text.splitlines() == [
        "2 message(s) arrived:",
        "  1. from bounce@app.example to Ann@Example.com, hidden@example.com: "
        "'Welcome aboard, Ann'",
        "  2. from x@example.com to y@example.com: 'Second one'",
    ]


def test_describe_arrivals_without_messages() -> None:
    assert describe_arrivals([]) == "No message arrived."


def test_describe_arrivals_is_cut_at_the_limit() -> None:
    messages = [plain(f"number {i}") for i in range(25)]
    lines = describe_arrivals(messages, limit=3).splitlines()
    assert lines[0] == "25 message(s) arrived:"
    assert [line.split(": ", 1)[1] for line in lines[1:4]] == [
        "'number 0'",
        "'number 1'",
        "'number 2'",
    ]
    assert lines[4:] == ["  ... and 22 more"]
    assert len(describe_arrivals(messages).splitlines()) == 1 + 20 + 1


def test_build_names_an_unknown_criterion_and_the_valid_ones() -> None:
    with pytest.raises(CriteriaError) as raised:
        Criteria.build({"recipient": "a@example.com", "subject": "x"})
    assert "unknown criterion 'recipient'" in str(raised.value)
    assert "to, sender, from_" in str(raised.value)
    assert Criteria.build({"subject": "x"}) == Criteria.of(subject="x")
