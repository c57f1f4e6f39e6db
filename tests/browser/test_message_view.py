"""One message in a real browser: subject, HTML, text, headers, raw source,
attachments (downloaded byte for byte), links, and the mobile width."""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from .helpers import WebPage, expect, make_message

pytestmark = pytest.mark.browser

DOCS_IMAGES = Path(__file__).parents[2] / "docs" / "images"


def update_docs_images(artifacts: Path, *names: str) -> None:
    """With UPDATE_DOCS_IMAGES=1, copy these screenshots to docs/images/ (a plain
    run leaves the committed ones alone)."""
    if os.environ.get("UPDATE_DOCS_IMAGES") != "1":
        return
    DOCS_IMAGES.mkdir(exist_ok=True)
    for name in names:
        shutil.copyfile(artifacts / name, DOCS_IMAGES / name)


HTML = """<!doctype html><html><body style="font-family: sans-serif; margin: 24px">
<h1 id="greeting">Welcome aboard, Ann!</h1>
<p>Your account is ready. Confirm your address to start:</p>
<p><a href="https://example.com/confirm/abc123"
      style="display:inline-block;padding:10px 18px;background:#2563eb;color:#fff;
             border-radius:6px;text-decoration:none">Confirm my address</a></p>
<p>Your one-time code is <b>482913</b>.</p>
<p><img id="logo" alt="logo" src="cid:logo@example.com" width="48" height="48"></p>
</body></html>"""
TEXT = "Welcome aboard, Ann!\nConfirm: https://example.com/confirm/abc123\nCode: 482913\n"
# Every byte value, twice: a download that re-encoded anything would not match.
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 2


def solid_png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A square PNG of one colour (the logo of the test message)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = solid_png(48, (37, 99, 235))


def welcome_message():
    msg = make_message(
        "Welcome to Example, Ann", sender="Example <noreply@example.com>", text=TEXT, html=HTML
    )
    html_part = msg.get_payload()[1]
    html_part.add_related(PNG, maintype="image", subtype="png", cid="<logo@example.com>")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="welcome guide.pdf")
    return msg


def test_opening_a_message_shows_subject_html_and_text(web: WebPage, artifacts):
    page = web.page
    message_id = web.send(welcome_message())
    web.open_message(message_id)

    expect(page.locator("#message-subject")).to_have_text("Welcome to Example, Ann")
    expect(page.locator("#view .fields")).to_contain_text("Example <noreply@example.com>")
    # Opening it marks it read, in the list too.
    expect(web.row(message_id)).not_to_have_class(re.compile(r"\bunread\b"))

    # HTML first, in the sandboxed frame, with its inline image from the message.
    expect(web.tab("html")).to_have_class(re.compile(r"\bactive\b"))
    frame = page.frame_locator("iframe.html-frame")
    expect(frame.locator("#greeting")).to_have_text("Welcome aboard, Ann!")
    expect(frame.locator("#logo")).to_have_js_property("naturalWidth", 48)
    page.screenshot(path=artifacts / "message-html.png")

    # The width switch: a phone's width, then back.
    iframe = page.locator("iframe.html-frame")
    page.click("button[data-width=mobile]")
    expect(iframe).to_have_class(re.compile(r"\bmobile\b"))
    assert iframe.bounding_box()["width"] == 375
    page.screenshot(path=artifacts / "message-mobile.png")
    page.click("button[data-width=desktop]")
    expect(iframe).not_to_have_class(re.compile(r"\bmobile\b"))
    assert iframe.bounding_box()["width"] > 600

    web.tab("text").click()
    expect(web.panel.locator("pre.body-text")).to_have_text(TEXT)

    web.tab("headers").click()
    subject_row = web.panel.locator("tr", has=page.locator("th", has_text=re.compile("^Subject$")))
    expect(subject_row.locator("td")).to_have_text("Welcome to Example, Ann")

    web.tab("raw").click()
    expect(web.panel.locator("pre.raw")).to_contain_text("Subject: Welcome to Example, Ann")
    expect(web.panel.locator("pre.raw")).to_contain_text("Content-Type: multipart/mixed")

    web.tab("links").click()
    expect(web.panel.locator("a")).to_have_text(["https://example.com/confirm/abc123"])
    expect(web.panel.locator(".codes")).to_contain_text("482913")


def test_attachments_download_with_identical_bytes(web: WebPage, tmp_path):
    page = web.page
    message_id = web.send(welcome_message())
    web.open_message(message_id)
    web.tab("attachments").click()
    expect(web.tab("attachments")).to_have_text("Attachments (2)")

    with page.expect_download() as info:
        web.panel.get_by_role("link", name="welcome guide.pdf").click()
    download = info.value
    assert download.suggested_filename == "welcome guide.pdf"
    saved = tmp_path / "guide.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF

    # The inline image is listed (and downloads) too.
    with page.expect_download() as info:
        web.panel.locator("a.download").nth(0).click()
    saved = tmp_path / "logo.png"
    info.value.save_as(saved)
    assert saved.read_bytes() == PNG

    # And the whole message, as received.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download .eml").click()
    saved = tmp_path / "message.eml"
    info.value.save_as(saved)
    assert saved.read_bytes() == web.mailtrap.store.get(message_id).raw


def test_a_text_only_message_opens_on_its_text(web: WebPage):
    message_id = web.send(make_message("Plain", text="Just text.\n"))
    web.open_message(message_id)
    expect(web.tab("html")).to_be_disabled()
    expect(web.tab("text")).to_have_class(re.compile(r"\bactive\b"))
    expect(web.panel.locator("pre.body-text")).to_have_text("Just text.\n")


def test_a_link_to_a_message_opens_it(web: WebPage):
    message_id = web.send(make_message("Deep link"))
    web.page.goto(f"{web.url}#{message_id}")
    expect(web.page.locator("#message-subject")).to_have_text("Deep link")


def test_screenshots_for_the_docs(web: WebPage, artifacts):
    """The list and a message as the docs show them (docs/images/web-*.png)."""
    page = web.page
    senders = [
        ("Example <noreply@example.com>", "Welcome to Example, Ann"),
        ("Shop <orders@shop.example>", "Your order #1042 has shipped"),
        ("Billing <billing@example.com>", "Invoice INV-2024-0042"),
        ("Security <security@example.com>", "Your sign-in code"),
        ("Newsletter <news@example.com>", "What's new in November"),
    ]
    for sender, subject in senders[1:]:
        msg = make_message(subject, sender=sender, html=f"<h1>{subject}</h1><p>Hello Ann.</p>")
        if "Invoice" in subject:
            msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="inv.pdf")
        web.send(msg)
    newest = web.send(welcome_message())
    expect(web.rows).to_have_count(5)
    web.open_message(newest)
    expect(page.frame_locator("iframe.html-frame").locator("#greeting")).to_be_visible()
    expect(page.frame_locator("iframe.html-frame").locator("#logo")).to_have_js_property(
        "naturalWidth", 48
    )
    page.screenshot(path=artifacts / "web-page.png")
    page.click("button[data-width=mobile]")
    page.screenshot(path=artifacts / "web-page-mobile.png")
    update_docs_images(artifacts, "web-page.png", "web-page-mobile.png")
