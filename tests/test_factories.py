"""Faker factories: realistic messages with the MIME structure each builder promises."""

from __future__ import annotations

import re
from collections.abc import Callable
from email import policy
from email.message import EmailMessage

import pytest

from mailtrap_py.factories import PNG_1X1, MessageFactory
from mailtrap_py.message import Message

BUILDERS = ["plain", "alternative", "with_attachments", "with_inline_image", "international"]


def structure(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def captured(msg: EmailMessage, *recipients: str) -> Message:
    """As the server would store it after smtplib sent it."""
    return Message(msg.as_bytes(policy=policy.SMTP), recipients=recipients)


def build(kind: str, seed: int | None = 7, **kwargs: object) -> EmailMessage:
    builder: Callable[..., EmailMessage] = getattr(MessageFactory(seed=seed), kind)
    return builder(**kwargs)


@pytest.mark.parametrize("kind", BUILDERS)
def test_every_builder_gives_a_complete_well_formed_message(kind: str) -> None:
    msg = build(kind)
    parsed = captured(msg)
    assert parsed.defects == []
    assert parsed.subject
    assert parsed.from_ is not None
    assert parsed.from_.name
    assert parsed.from_.endswith("@example.com")
    assert len(parsed.to) == 1
    assert parsed.date is not None
    assert parsed.date.tzinfo is not None
    assert parsed.message_id is not None
    assert re.fullmatch(r"<[^<>@\s]+@example\.com>", parsed.message_id)
    assert parsed.text
    assert "https://example.com/" in parsed.text
    assert parsed.links


def test_plain_is_text_only() -> None:
    msg = build("plain")
    assert structure(msg) == ["text/plain"]
    parsed = captured(msg)
    assert parsed.html is None
    assert parsed.attachments == []


def test_alternative_has_text_and_matching_html() -> None:
    msg = build("alternative")
    assert structure(msg) == ["multipart/alternative", "text/plain", "text/html"]
    parsed = captured(msg)
    assert parsed.text is not None
    assert parsed.html is not None
    first_words = parsed.text.split()[0]
    assert first_words in parsed.html
    assert parsed.attachments == []


@pytest.mark.parametrize("count", [0, 1, 3, 5])
def test_with_attachments_adds_count_attachments(count: int) -> None:
    msg = build("with_attachments", count=count)
    parsed = captured(msg)
    assert len(parsed.attachments) == count
    if count:
        assert structure(msg)[:4] == [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
        ]
    assert parsed.text
    assert parsed.html
    kinds = ["application/pdf", "text/csv", "application/octet-stream"]
    assert [a.content_type for a in parsed.attachments] == [kinds[i % 3] for i in range(count)]
    for index, attachment in enumerate(parsed.attachments):
        assert attachment.filename
        assert attachment.filename.endswith((".pdf", ".csv", ".bin"))
        assert attachment.size > 0
        assert attachment.inline is False
        assert attachment.part == str(index + 2)


def test_attachment_bytes_survive_the_trip() -> None:
    msg = build("with_attachments", count=3)
    sent = [part.get_payload(decode=True) for part in msg.iter_attachments()]
    assert [a.content for a in captured(msg).attachments] == sent
    assert sent[0].startswith(b"%PDF-1.4\n")


def test_with_inline_image_has_related_html_and_inline_image() -> None:
    msg = build("with_inline_image")
    assert structure(msg) == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    parsed = captured(msg)
    (image,) = parsed.attachments
    assert image.inline is True
    assert image.content_type == "image/png"
    assert image.content == PNG_1X1
    assert image.filename == "logo.png"
    assert image.content_id
    assert image.part == "2.2"
    assert parsed.html is not None
    assert f'src="cid:{image.content_id}"' in parsed.html


def test_png_is_a_real_png() -> None:
    assert PNG_1X1.startswith(b"\x89PNG\r\n\x1a\n")
    assert PNG_1X1.endswith(b"IEND\xaeB`\x82")


def test_international_has_non_ascii_subject_and_names() -> None:
    seen_non_ascii_subject = seen_non_ascii_name = False
    for seed in range(5):
        msg = build("international", seed=seed)
        raw = msg.as_bytes(policy=policy.SMTP)
        parsed = Message(raw)
        assert parsed.from_ is not None
        seen_non_ascii_subject |= not parsed.subject.isascii()
        seen_non_ascii_name |= not parsed.from_.name.isascii()
        # Headers travel as encoded words, readable by any server.
        assert raw.partition(b"\r\n\r\n")[0].isascii()
        assert parsed.text is not None
        assert parsed.html is not None
    assert seen_non_ascii_subject
    assert seen_non_ascii_name


def test_recipients_sender_and_subject_can_be_given() -> None:
    msg = build(
        "alternative",
        to=["a@x.example", "B <b@x.example>"],
        from_="App <app@x.example>",
        subject="Welcome, Ann",
    )
    parsed = captured(msg)
    assert parsed.to == ["a@x.example", "b@x.example"]
    assert parsed.from_ == "app@x.example"
    assert parsed.subject == "Welcome, Ann"
    assert captured(build("plain", to="solo@x.example")).to == ["solo@x.example"]


def test_plain_and_alternative_take_their_bodies() -> None:
    # smtplib sends CRLF line ends; `text` gives them back as "\n".
    assert captured(build("plain", text="Code 123456\n")).text == "Code 123456\n"
    parsed = captured(build("alternative", text="t\n", html="<p>h</p>\n"))
    assert (parsed.text, parsed.html) == ("t\n", "<p>h</p>\n")


def test_empty_subject_is_kept() -> None:
    assert captured(build("plain", subject="")).subject == ""


def test_addresses_are_on_the_factory_domain_and_fresh() -> None:
    factory = MessageFactory(seed=1, domain="test.example")
    addresses = {factory.address() for _ in range(50)}
    assert len(addresses) == 50
    assert all(a.endswith("@test.example") and a == a.lower() for a in addresses)
    assert factory.address("Ann").startswith("ann.")
    assert captured(factory.plain()).from_.endswith("@test.example")  # type: ignore[union-attr]


def test_any_gives_a_mix_of_kinds() -> None:
    factory = MessageFactory(seed=3)
    shapes = {tuple(structure(factory.any())) for _ in range(40)}
    assert len(shapes) >= 4
    for _ in range(10):
        assert captured(factory.any(to="x@example.com")).to == ["x@example.com"]


# -- reproducibility -----------------------------------------------------------------


@pytest.mark.parametrize("kind", [*BUILDERS, "any"])
def test_same_seed_gives_identical_bytes(kind: str) -> None:
    first = build(kind, seed=1234).as_bytes()
    second = build(kind, seed=1234).as_bytes()
    assert first == second


def test_same_seed_gives_identical_sequences() -> None:
    def run() -> list[bytes]:
        factory = MessageFactory(seed=99)
        return [factory.any().as_bytes() for _ in range(10)]

    assert run() == run()


def test_different_seeds_differ() -> None:
    assert build("alternative", seed=1).as_bytes() != build("alternative", seed=2).as_bytes()


def test_no_seed_gives_fresh_messages() -> None:
    first = captured(build("plain", seed=None))
    second = captured(build("plain", seed=None))
    assert first.message_id != second.message_id


def test_message_ids_from_one_factory_are_unique() -> None:
    factory = MessageFactory(seed=5)
    ids = {captured(factory.any()).message_id for _ in range(50)}
    assert len(ids) == 50
