"""Messages over HTTP: list and search, fetch (parsed, raw, bodies, parts), delete,
inject. Mail arrives over SMTP; the API is read with httpx, both over real sockets."""

from __future__ import annotations

import base64
import re
from email.message import EmailMessage
from urllib.parse import unquote

import pytest

from mailtrap_py.api.messages import HTML_CSP

from .helpers import as_bytes, make_message

# A multipart message whose bytes a careless server would change: an 8-bit UTF-8
# body, lines SMTP dot-stuffs ("." alone, "..", ".x"), trailing whitespace, and a
# base64 attachment holding every byte value.
BLOB = bytes(range(256)) * 4
EIGHT_BIT = (
    b"From: Shop <shop@example.com>\r\n"
    b"To: Ann <ann@example.com>\r\n"
    b"Subject: Bytes\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln \xe2\x80\x94 8-bit\r\n"
    b".\r\n"
    b"..two dots\r\n"
    b".leading dot\r\n"
    b"trailing space \r\n"
    b"--b1\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="blob.bin"\r\n'
    b"\r\n" + base64.encodebytes(BLOB).replace(b"\n", b"\r\n") + b"--b1--\r\n"
)


def ids(listing: dict) -> list[str]:
    return [m["id"] for m in listing["messages"]]


# -- list ------------------------------------------------------------------------


def test_list_is_newest_first_with_counts(api, send):
    sent = [send(make_message(f"number {n}")) for n in range(3)]
    listing = api.get("/messages").json()
    assert ids(listing) == sent[::-1]
    assert (listing["total"], listing["count"], listing["unread"], listing["offset"]) == (
        3,
        3,
        3,
        0,
    )
    assert [m["subject"] for m in listing["messages"]] == ["number 2", "number 1", "number 0"]
    first = listing["messages"][-1]
    assert first["sender"] == "app@example.com"
    assert first["recipients"] == ["ann@example.com"]
    assert first["from"] == {"address": "app@example.com", "name": ""}
    assert first["read"] is False


def test_list_empty(api):
    assert api.get("/messages").json() == {
        "total": 0,
        "unread": 0,
        "count": 0,
        "offset": 0,
        "messages": [],
    }


def test_list_pages_with_limit_and_offset(api, send):
    sent = [send(make_message(f"page {n}")) for n in range(5)]
    newest_first = sent[::-1]
    pages = [api.get("/messages", params={"limit": 2, "offset": o}).json() for o in (0, 2, 4)]
    assert [ids(p) for p in pages] == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    assert [p["count"] for p in pages] == [2, 2, 1]
    assert {p["total"] for p in pages} == {5}
    assert [p["offset"] for p in pages] == [0, 2, 4]
    beyond = api.get("/messages", params={"offset": 10}).json()
    assert (beyond["total"], beyond["count"], beyond["messages"]) == (5, 0, [])


def test_unread_counts_what_was_fetched(api, send):
    first, second = send(make_message("one")), send(make_message("two"))
    assert api.get("/messages").json()["unread"] == 2
    assert api.get(f"/messages/{first}").status_code == 200
    listing = api.get("/messages").json()
    assert listing["unread"] == 1
    assert {m["id"]: m["read"] for m in listing["messages"]} == {first: True, second: False}


def test_list_filters_with_query(api, send):
    ann_invoice = send(make_message("Invoice 1", to="ann@example.com"), to=["ann@example.com"])
    bob_invoice = send(make_message("Invoice 2", to="bob@example.com"), to=["bob@example.com"])
    ann_welcome = send(make_message("Welcome", to="ann@example.com"), to=["ann@example.com"])

    def search(query: str) -> list[str]:
        response = api.get("/messages", params={"query": query})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == body["count"] == len(body["messages"])
        return ids(body)

    assert search("to:ann@example.com") == [ann_welcome, ann_invoice]
    assert search("subject:invoice") == [bob_invoice, ann_invoice]
    assert search("-subject:invoice") == [ann_welcome]
    assert search("to:ann@example.com -subject:welcome") == [ann_invoice]
    assert search('subject:"invoice 2"') == [bob_invoice]
    assert search("to:nobody@example.com") == []
    # Totals and unread count only what matched.
    api.get(f"/messages/{ann_invoice}")
    matched = api.get("/messages", params={"query": "subject:invoice", "limit": 1}).json()
    assert (matched["total"], matched["count"], matched["unread"]) == (2, 1, 1)


def test_bad_query_is_400_saying_where(api):
    response = api.get("/messages", params={"query": 'to:ann@example.com subject:"open'})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert re.search(r"column \d+", detail), detail
    assert "quote" in detail


# -- one message -----------------------------------------------------------------


def rich_message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Shop <shop@example.com>"
    msg["To"] = "Ann Example <ann@example.com>"
    msg["Cc"] = "carl@example.com"
    msg["Reply-To"] = "help@example.com"
    msg["Subject"] = "Your code"
    msg["Message-ID"] = "<code-1@example.com>"
    msg["X-Campaign"] = "spring"
    msg.set_content("Your code is 482913.\nConfirm: https://example.com/confirm/abc\n")
    msg.add_alternative(
        '<p>Your code is <b>482913</b>. <a href="https://example.com/confirm/abc">Confirm</a>'
        ' <a href="https://example.com/help">Help</a></p>',
        subtype="html",
    )
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="a.pdf")
    return msg


def test_get_gives_every_parsed_field(mailtrap, api, send):
    msg = rich_message()
    message_id = send(
        msg,
        sender="bounces@example.com",
        to=["ann@example.com", "carl@example.com", "dave@example.com"],
        starttls=mailtrap.client_ssl_context(),
        login=("ann@example.com", "any"),
    )
    response = api.get(f"/messages/{message_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    got = response.json()
    assert got["id"] == message_id
    assert got["subject"] == "Your code"
    assert got["sender"] == "bounces@example.com"
    assert got["recipients"] == ["ann@example.com", "carl@example.com", "dave@example.com"]
    assert got["from"] == {"address": "shop@example.com", "name": "Shop"}
    assert got["to"] == [{"address": "ann@example.com", "name": "Ann Example"}]
    assert got["cc"] == [{"address": "carl@example.com", "name": ""}]
    # BCC: the envelope recipient no header names.
    assert got["bcc"] == [{"address": "dave@example.com", "name": ""}]
    assert got["reply_to"] == [{"address": "help@example.com", "name": ""}]
    assert got["message_id"] == "<code-1@example.com>"
    assert got["text"] == "Your code is 482913.\nConfirm: https://example.com/confirm/abc\n"
    assert got["html"].startswith("<p>Your code is <b>482913</b>.")
    assert got["links"] == ["https://example.com/confirm/abc", "https://example.com/help"]
    assert got["codes"] == ["482913"]
    assert got["attachments"] == [
        {
            "part": "2",
            "filename": "a.pdf",
            "content_type": "application/pdf",
            "size": len(b"%PDF-1.4 fake"),
            "inline": False,
            "content_id": None,
            "url": f"/api/v1/messages/{message_id}/parts/2",
        }
    ]
    header_names = [h["name"] for h in got["headers"]]
    assert header_names[:7] == [
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Subject",
        "Message-ID",
        "X-Campaign",
    ]
    assert {"name": "X-Campaign", "value": "spring"} in got["headers"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", got["peer"])
    assert got["tls"] is True
    assert got["auth_user"] == "ann@example.com"
    assert got["size"] == len(as_bytes(msg)) == len(mailtrap.messages[0].raw)
    assert got["raw_url"] == f"/api/v1/messages/{message_id}/raw"
    assert got["defects"] == []
    assert got["date"] is None
    assert got["received_at"].endswith("Z") or got["received_at"].endswith("+00:00")


def test_get_plain_delivery_has_no_tls_and_no_user(api, send):
    message_id = send(make_message("plain"))
    got = api.get(f"/messages/{message_id}").json()
    assert (got["tls"], got["auth_user"], got["html"], got["attachments"]) == (
        False,
        None,
        None,
        [],
    )


def test_get_marks_read(mailtrap, api, send):
    message_id = send(make_message())
    assert api.get(f"/messages/{message_id}").json()["read"] is True
    assert mailtrap.messages[0].read is True
    # Raw, bodies and lists do not mark it (only opening the whole message does).
    other = send(make_message("other"))
    api.get(f"/messages/{other}/raw")
    api.get(f"/messages/{other}/text")
    assert mailtrap.messages[1].read is False


# -- raw, bodies, parts ----------------------------------------------------------


def test_raw_is_the_exact_bytes_sent(mailtrap, api, send):
    message_id = send(EIGHT_BIT)
    response = api.get(f"/messages/{message_id}/raw")
    assert response.status_code == 200
    assert response.content == EIGHT_BIT
    assert response.headers["content-type"] == "message/rfc822"
    assert response.headers["content-disposition"] == f'attachment; filename="{message_id}.eml"'
    assert mailtrap.messages[0].raw == EIGHT_BIT


def test_html_is_sandboxed_so_no_script_runs(api, send):
    html = "<p>Hi</p><script>document.title='owned'</script><img src='https://t.example/p.gif'>"
    message_id = send(make_message(html=html))
    response = api.get(f"/messages/{message_id}/html")
    assert response.status_code == 200
    assert response.text == html + "\n"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert csp == HTML_CSP
    directives = {
        name: values for name, *values in (d.split() for d in csp.split(";") if d.strip())
    }
    # A sandbox without allow-scripts runs no script at all (inline ones included),
    # and default-src 'none' with no script-src loads none from anywhere.
    assert "sandbox" in directives and directives["sandbox"] == []
    assert directives["default-src"] == ["'none'"]
    assert "script-src" not in directives
    assert not any("allow-" in v for values in directives.values() for v in values)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_html_of_a_message_without_html_is_404(api, send):
    message_id = send(make_message())
    response = api.get(f"/messages/{message_id}/html")
    assert response.status_code == 404
    assert response.json() == {"detail": f"message {message_id!r} has no HTML body"}


def test_text_body(api, send):
    message_id = send(make_message(text="Grüße,\nAnn\n"))
    response = api.get(f"/messages/{message_id}/text")
    assert response.status_code == 200
    assert response.text == "Grüße,\nAnn\n"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_text_of_an_html_only_message_is_404(api, send):
    msg = make_message()
    msg.set_content("<p>only html</p>", subtype="html")
    message_id = send(msg)
    assert api.get(f"/messages/{message_id}/html").text == "<p>only html</p>\n"
    response = api.get(f"/messages/{message_id}/text")
    assert response.status_code == 404
    assert "no text body" in response.json()["detail"]


def test_part_download_is_the_attached_bytes(mailtrap, api, send):
    message_id = send(EIGHT_BIT)
    [attachment] = api.get(f"/messages/{message_id}").json()["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("blob.bin", len(BLOB))
    response = api.get(mailtrap.api_url + attachment["url"])
    assert response.status_code == 200
    assert response.content == BLOB
    assert response.headers["content-type"] == "application/octet-stream"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="blob.bin"; ')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox"


def filename_star(disposition: str) -> str:
    found = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    assert found, disposition
    return unquote(found.group(1), encoding="utf-8", errors="strict")


def test_part_with_a_non_ascii_filename(mailtrap, api, send):
    name = "Übersicht – März 2026.pdf"
    content = b"%PDF-1.7\n" + bytes(range(256))
    msg = make_message()
    msg.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    message_id = send(msg)
    [attachment] = api.get(f"/messages/{message_id}").json()["attachments"]
    assert attachment["filename"] == name
    response = api.get(mailtrap.api_url + attachment["url"])
    assert response.content == content
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert filename_star(disposition) == name
    # The plain filename= is the ASCII fallback for clients without RFC 6266.
    fallback = re.search(r'filename="([^"]*)"', disposition)
    assert fallback and fallback.group(1).isascii() and fallback.group(1).endswith(".pdf")


def test_inline_image_part(mailtrap, api, send):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    msg = make_message(html='<img src="cid:logo@example.com">')
    msg.get_payload()[1].add_related(png, maintype="image", subtype="png", cid="<logo@example.com>")
    message_id = send(msg)
    [attachment] = api.get(f"/messages/{message_id}").json()["attachments"]
    assert (attachment["inline"], attachment["content_id"]) == (True, "logo@example.com")
    response = api.get(mailtrap.api_url + attachment["url"])
    assert (response.content, response.headers["content-type"]) == (png, "image/png")
    # No file name: the download gets one made from the part number.
    assert f'filename="part-{attachment["part"]}"' in response.headers["content-disposition"]


def test_part_headers_cannot_be_injected_by_the_sender(mailtrap, api, send):
    # A file name and a content type are the sender's text: CR LF in them must not
    # become a header of the response (nor a server error).
    raw = (
        b"From: a@example.com\r\nTo: ann@example.com\r\nSubject: evil\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b"--b\r\nContent-Type: application/x\x01evil\r\n"
        b"Content-Disposition: attachment;"
        b" filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20x%3Dy%22.txt\r\n\r\nabc\r\n--b--\r\n"
    )
    message_id = send(raw)
    response = api.get(f"/messages/{message_id}/parts/2")
    assert response.status_code == 200
    assert response.content == b"abc"
    assert "set-cookie" not in response.headers
    assert response.headers["content-type"] == "application/octet-stream"
    disposition = response.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert filename_star(disposition) == 'evil\r\nSet-Cookie: x=y".txt'


def test_unknown_part_is_404(api, send):
    message_id = send(make_message())
    response = api.get(f"/messages/{message_id}/parts/9")
    assert response.status_code == 404
    assert response.json() == {"detail": f"message {message_id!r} has no part '9'"}


# -- delete ----------------------------------------------------------------------


def test_delete_one(mailtrap, api, send):
    doomed = send(make_message("doomed"))
    kept = send(make_message("kept"))
    response = api.delete(f"/messages/{doomed}")
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/messages/{doomed}").status_code == 404
    assert api.get(f"/messages/{doomed}/raw").status_code == 404
    assert ids(api.get("/messages").json()) == [kept]
    assert [m.id for m in mailtrap.messages] == [kept]
    inbox = mailtrap.store.account("ann@example.com", create=False).inbox
    assert [e.message.id for e in inbox.entries] == [kept]
    assert api.get("/accounts/ann@example.com").json()["folders"][0]["messages"] == 1
    again = api.delete(f"/messages/{doomed}")
    assert again.status_code == 404
    assert again.json() == {"detail": f"no message with id {doomed!r}"}


def test_delete_all(mailtrap, api, send):
    for n in range(3):
        send(make_message(f"m{n}"))
    response = api.delete("/messages")
    assert response.status_code == 200
    assert response.json() == {"deleted": 3}
    assert api.get("/messages").json()["total"] == 0
    assert mailtrap.messages == []
    assert api.delete("/messages").json() == {"deleted": 0}


def test_delete_by_query(mailtrap, api, send):
    invoices = [send(make_message(f"Invoice {n}")) for n in range(2)]
    welcome = send(make_message("Welcome"))
    response = api.delete("/messages", params={"query": "subject:invoice"})
    assert response.json() == {"deleted": 2}
    assert ids(api.get("/messages").json()) == [welcome]
    assert [m.id for m in mailtrap.messages] == [welcome]
    assert all(api.get(f"/messages/{i}").status_code == 404 for i in invoices)
    assert api.delete("/messages", params={"query": "subject:invoice"}).json() == {"deleted": 0}


def test_delete_with_a_bad_query_deletes_nothing(mailtrap, api, send):
    send(make_message())
    response = api.delete("/messages", params={"query": "nosuchterm:x"})
    assert response.status_code == 400
    assert "column 0" in response.json()["detail"]
    assert len(mailtrap.messages) == 1


# -- inject ----------------------------------------------------------------------

INJECTED = (
    b"From: App <app@example.com>\r\n"
    b"To: Ann <ann@example.com>\r\n"
    b"Cc: carl@example.com\r\n"
    b"Bcc: dave@example.com\r\n"
    b"Subject: Injected\r\n"
    b"\r\n"
    b"Gr\xc3\xbc\xc3\x9fe\r\n.\r\n"
)


def test_inject_with_the_envelope_in_the_query(mailtrap, api):
    response = api.post(
        "/messages",
        content=INJECTED,
        params={"to": ["x@example.com", "y@example.com"], "sender": "bounce@example.com"},
        headers={"Content-Type": "message/rfc822"},
    )
    assert response.status_code == 201
    summary = response.json()
    assert summary["sender"] == "bounce@example.com"
    assert summary["recipients"] == ["x@example.com", "y@example.com"]
    assert summary["subject"] == "Injected"
    assert summary["size"] == len(INJECTED)
    [message] = mailtrap.messages
    assert (message.id, message.raw) == (summary["id"], INJECTED)
    assert api.get(f"/messages/{summary['id']}/raw").content == INJECTED
    assert api.get("/accounts/y@example.com").json()["folders"][0]["messages"] == 1
    assert re.fullmatch(r"127\.0\.0\.1:\d+", api.get(f"/messages/{message.id}").json()["peer"])


def test_inject_takes_recipients_from_the_headers(mailtrap, api):
    response = api.post("/messages", content=INJECTED)
    assert response.status_code == 201
    # As `sendmail -t`: To, Cc and Bcc; Bcc is then a blind copy as over SMTP.
    assert response.json()["recipients"] == [
        "ann@example.com",
        "carl@example.com",
        "dave@example.com",
    ]
    got = api.get(f"/messages/{response.json()['id']}").json()
    assert got["bcc"] == [{"address": "dave@example.com", "name": ""}]
    # Without sender=, the envelope sender is the From address.
    assert got["sender"] == got["from"]["address"] != ""
    assert mailtrap.wait_for(to="dave@example.com", timeout=0).raw == INJECTED


def test_inject_empty_is_422(mailtrap, api):
    response = api.post("/messages", content=b"")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body"]
    assert "empty body" in error["msg"]
    assert mailtrap.messages == []


@pytest.mark.mailtrap(max_message_size=1000)
def test_inject_over_the_size_limit_is_413(mailtrap, api):
    head = b"Subject: big\r\nTo: ann@example.com\r\n\r\n"
    at_limit = head + b"x" * (1000 - len(head))
    assert api.post("/messages", content=at_limit).status_code == 201
    response = api.post("/messages", content=at_limit + b"y")
    assert response.status_code == 413
    assert response.json() == {"detail": "message larger than the 1000-octet limit"}
    assert [m.raw for m in mailtrap.messages] == [at_limit]


@pytest.mark.mailtrap(max_message_size=1000)
def test_inject_far_over_the_size_limit_is_413(mailtrap, api):
    # Sent in chunks: the server answers before reading it all.
    def body():
        yield b"Subject: huge\r\n\r\n"
        for _ in range(64):
            yield b"z" * 1024

    response = api.post("/messages", content=body())
    assert response.status_code == 413
    assert mailtrap.messages == []
