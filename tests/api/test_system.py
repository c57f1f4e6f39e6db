"""Health, info, errors, and what the API leaves behind when the server stops."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mailtrap_py import MailServer
from mailtrap_py.__about__ import __version__

from .helpers import HTTP_TIMEOUT, PendingWaits, api_client, make_message, read_events, smtp_send


def test_health(mailtrap, api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "services": mailtrap.server.ports}
    assert response.json()["services"]["http"] == mailtrap.http_port


def test_info(mailtrap, api, send):
    first = send(make_message("one"), to=["ann@example.com", "bob@example.com"])
    send(make_message("two"), to=["ann@example.com"])
    api.get(f"/messages/{first}")
    assert api.get("/info").json() == {
        "version": __version__,
        "host": "127.0.0.1",
        "ports": mailtrap.server.ports,
        "messages": 2,
        "unread": 1,
        "accounts": 2,
        "strict": False,
    }


def test_info_on_an_empty_server(api):
    info = api.get("/info").json()
    assert (info["messages"], info["unread"], info["accounts"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/messages/{}"),
        ("GET", "/messages/{}/raw"),
        ("GET", "/messages/{}/html"),
        ("GET", "/messages/{}/text"),
        ("GET", "/messages/{}/parts/1"),
        ("DELETE", "/messages/{}"),
    ],
)
def test_unknown_id_is_404_json(api, method, path):
    response = api.request(method, path.format("0badc0de"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "no message with id '0badc0de'"}


@pytest.mark.parametrize(
    ("path", "query", "column"),
    [
        ("/messages", "to:", 0),
        ("/messages", "subject:ok larger:huge", 18),
        ("/wait", 'subject:"unterminated', 8),
    ],
)
def test_bad_query_is_400_with_its_column(api, path, query, column):
    response = api.get(path, params={"query": query, "timeout": 5})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert detail.startswith(f"bad query at column {column}: "), detail


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"query": "x" * 2001}, "query"),
    ],
)
def test_parameter_out_of_range_is_422(api, params, name):
    response = api.get("/messages", params=params)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", name]


def test_limit_at_its_bounds_is_fine(api, send):
    send(b"Subject: one\r\n\r\nx\r\n")
    newest = send(b"Subject: two\r\n\r\nx\r\n")
    one = api.get("/messages", params={"limit": 1})
    assert one.status_code == 200
    assert [m["id"] for m in one.json()["messages"]] == [newest]
    every = api.get("/messages", params={"limit": 1000})
    assert every.status_code == 200
    assert len(every.json()["messages"]) == 2


def test_unknown_route_is_404_json(api):
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/messages", {"GET", "POST", "DELETE"}),
        ("/messages/00000001", {"GET", "DELETE"}),
        ("/messages/00000001/raw", {"GET"}),
        ("/accounts", {"GET", "POST"}),
        ("/accounts/ann@example.com", {"GET", "DELETE"}),
        ("/health", {"GET"}),
    ],
)
def test_405_lists_every_method_of_the_resource(api, path, methods):
    # RFC 9110 section 15.5.6; FastAPI has a route per method, and Starlette's own
    # 405 named only the methods of the first route it tried.
    response = api.request("PATCH", path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == methods
    assert response.json() == {"detail": "Method Not Allowed"}


def test_openapi_and_docs_are_served(mailtrap, api):
    with api_client(mailtrap.api_url) as client:
        schema = client.get(mailtrap.api_url + "/openapi.json").json()
        docs = client.get(mailtrap.api_url + "/docs")
    assert schema["info"]["version"] == __version__
    assert "/api/v1/messages/{message_id}/raw" in schema["paths"]
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_answers_without_a_nagle_stall(api):
    # The API's socket must set TCP_NODELAY on its connections: without it a
    # response's body waits behind its headers for the client's delayed ACK, at
    # least 40 ms on Linux, on every request. The fastest of a few requests shows
    # it whatever else the machine is doing (load only makes some requests slow).
    api.get("/health")
    durations = []
    for _ in range(15):
        started = time.perf_counter()
        api.get("/health")
        durations.append(time.perf_counter() - started)
    assert min(durations) < 0.030, durations


def test_no_thread_is_left_after_the_server_stops_even_after_api_requests(monkeypatch):
    # Routes are `async def`: a plain `def` route runs in a worker thread pool
    # whose threads would outlive the server.
    before = set(threading.enumerate())
    with MailServer(smtps_port=None) as server:
        message_id = smtp_send(server.smtp_port, make_message(html="<p>hi</p>"))
        with api_client(server.api_url) as api:
            for path in (
                "/messages",
                f"/messages/{message_id}",
                f"/messages/{message_id}/raw",
                f"/messages/{message_id}/html",
                f"/messages/{message_id}/text",
                "/accounts",
                "/accounts/ann@example.com",
                "/health",
                "/info",
            ):
                assert api.get(path).status_code == 200, path
            assert api.get("/wait", params={"timeout": 5}).status_code == 200
            assert (
                api.get("/wait", params={"after": message_id, "timeout": 0.05}).status_code == 408
            )
            assert api.post("/messages", content=b"Subject: x\r\n\r\ny\r\n").status_code == 201
            assert api.post("/accounts", json={"address": "a@x.example", "password": "p"})
            assert api.delete("/accounts/a@x.example").status_code == 204
            with api.stream("GET", "/events") as response:
                assert next(read_events(response.iter_lines()))[0] == "ready"
            assert api.delete(f"/messages/{message_id}").status_code == 204
            assert api.delete("/messages").status_code == 200
            # One more, still pending when the server stops.
            pending_waits = PendingWaits(server.store, monkeypatch)
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(api.get, "/wait", params={"timeout": 30})
                pending_waits.wait_started()
                server.stop()
                assert pending.result(timeout=HTTP_TIMEOUT).status_code == 503
    assert set(threading.enumerate()) <= before
