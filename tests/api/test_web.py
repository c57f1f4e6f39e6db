"""The web page's routes and what the API adds for it, over HTTP (no browser: the
browser tests are in tests/browser/)."""

from __future__ import annotations

from importlib import resources

import httpx
import pytest

from mailtrap_py.api.messages import HTML_CSP
from mailtrap_py.api.web import PAGE_CSP, static_files

from .helpers import make_message

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))


def directives(csp: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (d.split() for d in csp.split(";") if d.strip())}


def test_the_page_is_served_at_the_root_with_a_strict_policy(mailtrap):
    response = httpx.get(mailtrap.api_url + "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == PAGE_CSP
    policy = directives(PAGE_CSP)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in PAGE_CSP and "'unsafe-eval'" not in PAGE_CSP
    assert '<script type="module" src="/static/app.js">' in response.text


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("list.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ],
)
def test_static_files(mailtrap, name, media_type):
    response = httpx.get(f"{mailtrap.api_url}/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (
        response.content == resources.files("mailtrap_py.api").joinpath("static", name).read_bytes()
    )


@pytest.mark.parametrize("path", ["/static/nope.js", "/static/..%2Fweb.py", "/static/"])
def test_only_the_packaged_files_are_served(mailtrap, path):
    assert httpx.get(mailtrap.api_url + path).status_code == 404


def test_the_page_is_not_in_the_openapi_schema(mailtrap):
    paths = httpx.get(mailtrap.api_url + "/openapi.json").json()["paths"]
    assert all(path.startswith("/api/v1/") for path in paths)


def test_every_module_the_page_imports_ships():
    files = static_files()
    for name in ("index.html", "app.js", "api.js", "dom.js", "list.js", "view.js", "app.css"):
        assert name in files
    # Each `import ... from "./x.js"` names a file that is there.
    import re

    for name, (content, _) in files.items():
        if name.endswith(".js"):
            for imported in re.findall(rb'from "\./([\w.-]+)"', content):
                assert imported.decode() in files, (name, imported)


def test_post_to_the_page_is_405_with_allow(mailtrap):
    response = httpx.post(mailtrap.api_url + "/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


# -- what the page asks of the API -------------------------------------------


def test_summaries_mark_attachments(api, send):
    plain = send(make_message("plain"))
    msg = make_message("with a file")
    msg.add_attachment(b"data", maintype="application", subtype="octet-stream", filename="a.bin")
    attached = send(msg)
    inline = make_message("inline only", html='<img src="cid:logo@example.com">')
    inline.get_payload()[1].add_related(
        PNG, maintype="image", subtype="png", cid="<logo@example.com>"
    )
    only_inline = send(inline)
    marks = {m["id"]: m["has_attachments"] for m in api.get("/messages").json()["messages"]}
    assert marks == {plain: False, attached: True, only_inline: False}
    assert api.get(f"/messages/{attached}").json()["has_attachments"] is True


def test_html_with_inline_images_points_cids_at_the_parts(mailtrap, api, send):
    msg = make_message("logo", html='<p><img src="cid:logo@example.com"> <img src="cid:other"></p>')
    msg.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<logo@example.com>")
    message_id = send(msg)
    [part] = api.get(f"/messages/{message_id}").json()["attachments"]

    plain = api.get(f"/messages/{message_id}/html")
    assert 'src="cid:logo@example.com"' in plain.text  # as sent, unless asked
    assert plain.headers["content-security-policy"] == HTML_CSP

    response = api.get(f"/messages/{message_id}/html", params={"inline_images": "true"})
    parts = f"/api/v1/messages/{message_id}/parts/"
    # The known cid points at its part; an unknown one is left as it is.
    assert f'<img src="{parts}{part["part"]}"> <img src="cid:other">' in response.text
    policy = directives(response.headers["content-security-policy"])
    # Images from exactly this message's parts, and nowhere else.
    assert policy["img-src"] == ["data:", f"{mailtrap.api_url}{parts}"]
    assert policy["default-src"] == ["'none'"] and policy["sandbox"] == []
    assert "script-src" not in policy
    assert api.get(mailtrap.api_url + f"{parts}{part['part']}").content == PNG


def test_remote_images_only_when_asked_and_only_over_https(api, send):
    message_id = send(make_message("remote", html='<img src="https://t.example/p.gif">'))
    default = directives(api.get(f"/messages/{message_id}/html").headers["content-security-policy"])
    assert default["img-src"] == ["data:"]
    response = api.get(f"/messages/{message_id}/html", params={"remote_images": "true"})
    policy = directives(response.headers["content-security-policy"])
    assert policy["img-src"] == ["data:", "https:"]
    assert policy["default-src"] == ["'none'"] and policy["sandbox"] == []
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'none'"]
