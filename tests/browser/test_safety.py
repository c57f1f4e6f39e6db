"""Captured mail never runs on the page. Mailpit and MailHog both shipped XSS here.

The hostile message tries every way it can to run script or call home: a script
element, event handlers, a javascript: link, a meta refresh, a form, remote images
and styles; its subject, sender name, headers and file names carry markup too. Each
attempt would call a local HTTP server the test runs (the probe), change the page's
title or set a global. The test checks that none of it happened, and that the probe
does answer a browser that really asks (so its silence means something).
"""

from __future__ import annotations

import re

import httpx
import pytest

from .helpers import Probe, WebPage, expect, make_message

pytestmark = pytest.mark.browser

MARKUP = "<img src=x onerror=\"document.title='owned';window.pwned=1\">"


def hostile_html(probe: str) -> str:
    return f"""<html><head>
<meta http-equiv="refresh" content="0;url={probe}/meta-refresh">
<link rel="stylesheet" href="{probe}/stylesheet.css">
<style>body {{ background: url({probe}/css-background.png); }}</style>
<base href="{probe}/base/">
</head><body>
<h1 id="probe-body">Hostile probe</h1>
<script>
  fetch("{probe}/script-fetch");
  new Image().src = "{probe}/script-image";
  window.pwned = "script";
  try {{ parent.document.title = "owned"; }} catch (e) {{}}
  try {{ parent.pwned = "script"; }} catch (e) {{}}
  try {{ top.location = "{probe}/top-navigation"; }} catch (e) {{}}
</script>
<script src="{probe}/external-script.js"></script>
<img id="broken" src="nonexistent.png"
     onerror="fetch('{probe}/onerror');parent.document.title='owned';parent.pwned='onerror'">
<img id="remote" src="{probe}/tracking-pixel.gif" onload="fetch('{probe}/onload')">
<svg onload="fetch('{probe}/svg-onload')"><circle r="4"/></svg>
<a id="js-link" href="javascript:fetch('{probe}/javascript-link');parent.pwned='link'">
  Click me</a>
<a id="new-window" href="{probe}/popup" target="_blank">Open</a>
<form id="form" action="{probe}/form" method="post"><button id="submit">Send</button></form>
<iframe src="{probe}/nested-frame"></iframe>
<object data="{probe}/object"></object>
<div onmouseover="fetch('{probe}/mouseover')" style="height:40px">Hover me</div>
</body></html>"""


def hostile_message(probe: str):
    msg = make_message(
        f"Subject {MARKUP}",
        sender='"Evil <img src=x onerror=alert(1)>" <evil@example.com>',
        text=f"Text {MARKUP}\n",
        html=hostile_html(probe),
    )
    msg["X-Evil"] = f"<script>parent.pwned='header'</script>{MARKUP}"
    msg.add_attachment(
        b"<script>alert(1)</script>",
        maintype="text",
        subtype="html",
        filename=f"{MARKUP}.html",
    )
    return msg


def test_captured_html_runs_nothing(web: WebPage, artifacts):
    page = web.page
    # Every response the browser got, and every request it refused (the frame's
    # remote loads are asked for, then blocked by the CSP).
    responses: list[str] = []
    blocked: dict[str, str | None] = {}
    page.on("response", lambda response: responses.append(response.url))
    page.on("requestfailed", lambda request: blocked.update({request.url: request.failure}))

    with Probe() as probe:
        message_id = web.send(hostile_message(probe.url))

        # The list shows the markup as text.
        row = web.row(message_id)
        expect(row.locator(".subject")).to_have_text(f"Subject {MARKUP}")
        expect(row.locator(".from")).to_have_text("Evil <img src=x onerror=alert(1)>")
        assert row.locator("img:not(.clip)").count() == 0

        popups: list[object] = []

        def opened(popup: object) -> None:  # a window opened at any time
            popups.append(popup)

        page.context.on("page", opened)
        web.open_message(message_id)
        expect(page.locator("#message-subject")).to_have_text(f"Subject {MARKUP}")
        expect(page.locator("#view .message-head img")).to_have_count(0)

        # The HTML is in a sandboxed frame: loaded, and its load event passed
        # (inline scripts, image errors and their handlers all come before it).
        iframe = page.locator("iframe.html-frame")
        expect(iframe).to_have_attribute("sandbox", "")
        body = page.frame_locator("iframe.html-frame")
        expect(body.locator("#probe-body")).to_have_text("Hostile probe")
        frame = next(f for f in page.frames if "/html" in f.url)
        frame.wait_for_load_state("load")
        # Without allow-same-origin, its origin is opaque: it can reach nothing of
        # the page's (Playwright's own script runs there; the message's cannot).
        assert frame.evaluate("window.origin") == "null"
        body.locator("#js-link").click()
        body.locator("#new-window").click()
        body.locator("#submit").click()
        body.locator("text=Hover me").hover()

        # Remote images stay blocked when asked for: only https ones may load.
        page.click("#remote-images")
        frame_url = page.locator("iframe.html-frame").get_attribute("src")
        assert frame_url is not None and "remote_images=true" in frame_url
        expect(body.locator("#probe-body")).to_have_text("Hostile probe")
        next(f for f in page.frames if "remote_images" in f.url).wait_for_load_state("load")

        # Every other tab shows the hostile text as text.
        web.tab("text").click()
        expect(web.panel.locator("pre")).to_have_text(f"Text {MARKUP}\n")
        web.tab("headers").click()
        expect(web.panel).to_contain_text("<script>parent.pwned='header'</script>")
        web.tab("raw").click()
        expect(web.panel.locator("pre.raw")).to_contain_text("<script>")
        web.tab("attachments").click()
        expect(web.panel.locator("a.download")).to_have_text(f"{MARKUP}.html")
        web.tab("links").click()
        # Only http(s) links are found; each opens apart, with no opener or referrer.
        link = web.panel.locator("a")
        expect(link).to_have_text([f"{probe.url}/popup"])
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        page.screenshot(path=artifacts / "hostile-message.png")

        # A round trip through the page and the frame: whatever they queued has run.
        page.evaluate("() => new Promise(requestAnimationFrame)")

        assert page.title() == "mailtrap-py (1)"  # the page's own: 1 message
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert (
            page.evaluate("document.querySelectorAll('[onerror], script:not([src])').length") == 0
        )
        assert probe.hits == []
        assert [url for url in responses if url.startswith(probe.url)] == []
        # The remote loads were tried, and the frame's CSP refused each.
        assert f"{probe.url}/tracking-pixel.gif" in blocked
        assert set(blocked.values()) == {"csp"}, blocked
        assert popups == []

        # The probe answers a browser that does ask: its silence above means something.
        other = page.context.new_page()
        other.goto(f"{probe.url}/control")
        other.close()
        assert probe.hits[0] == "/control"


def test_the_page_sends_a_strict_content_security_policy(mailtrap):
    response = httpx.get(mailtrap.api_url + "/")
    csp = response.headers["content-security-policy"]
    directives = {
        name: values for name, *values in (d.split() for d in csp.split(";") if d.strip())
    }
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]  # no inline script, no eval
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    # No inline script or style in the page itself.
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    assert " style=" not in response.text and "<style" not in response.text
    assert not re.search(r"\son\w+\s*=", response.text)  # no inline event handlers
