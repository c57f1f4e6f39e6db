"""The web page as a test drives it, and mail to show on it."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (fails in CI) and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# Screenshots of the page, kept after the run for a human to look at.
ARTIFACTS = Path(__file__).parent / "artifacts"


def make_message(
    subject: str,
    *,
    to: str = "ann@example.com",
    sender: str = "Shop <shop@example.com>",
    text: str | None = "Hello there.\n",
    html: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    return msg


class WebPage:
    """The mailtrap web page in a browser tab, with the server it shows."""

    def __init__(self, page: Page, mailtrap: Any) -> None:
        self.page = page
        self.mailtrap = mailtrap
        self.url = mailtrap.api_url + "/"

    def open(self) -> None:
        """Load the page and wait until it follows the events stream."""
        self.page.goto(self.url)
        expect(self.page.locator("#live")).to_have_text("live")

    def send(self, message: EmailMessage, to: str = "ann@example.com") -> str:
        """Deliver over SMTP, as an application would; the captured message's id."""
        with smtplib.SMTP(self.mailtrap.host, self.mailtrap.smtp_port, timeout=10) as client:
            client.ehlo()
            client.mail(parseaddr(message["From"])[1])
            client.rcpt(to)
            code, reply = client.data(message.as_bytes(policy=SMTP_POLICY))
        assert code == 250, reply
        return reply.decode().rsplit(" ", 1)[-1]

    @property
    def rows(self) -> Locator:
        """The message rows drawn (not the placeholders of rows still loading)."""
        return self.page.locator("#rows .row[data-id]")

    def row(self, message_id: str) -> Locator:
        return self.page.locator(f'#rows .row[data-id="{message_id}"]')

    def subjects(self) -> list[str]:
        return self.rows.locator(".subject").all_text_contents()

    def open_message(self, message_id: str) -> None:
        self.row(message_id).click()
        expect(self.page.locator("#view .message-head")).to_be_visible()

    def tab(self, name: str) -> Locator:
        return self.page.locator(f"#tab-{name}")

    @property
    def panel(self) -> Locator:
        return self.page.locator("#panel")


class Probe:
    """A local HTTP server that records every request it gets: what a script in a
    captured message would call home to. Nothing may ever reach it from the page."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        probe = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                probe.hits.append(self.path)
                body = b"probe"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815 (http.server's naming)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Probe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
