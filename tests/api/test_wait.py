"""`GET /wait`: the long poll that replaces sleep-and-retry loops in other languages.

A wait answers at once when a match is already there, wakes when one arrives over
SMTP while it is pending, and ends with 408 at its timeout or 503 when the server
stops. No sleeps here: a pending request runs in a thread (or a task), the test
learns it is parked in the store, delivers, and joins.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest

from mailtrap_py import MailServer
from mailtrap_py.api.app import ApiContext, create_app
from mailtrap_py.message import Message
from mailtrap_py.store import Store

from .helpers import HTTP_TIMEOUT, PendingWaits, api_client, make_message, server_threads, smtp_send

# A pending wait's timeout: long, so that answering "well before" it proves a wake-up.
LONG = 30.0
WELL_BEFORE = LONG / 3


def test_answers_at_once_when_a_match_is_already_there(api, send):
    message_id = send(make_message("Welcome"), to=["ann@example.com"])
    started = time.monotonic()
    response = api.get("/wait", params={"query": "to:ann@example.com", "timeout": LONG})
    assert time.monotonic() - started < WELL_BEFORE
    assert response.status_code == 200
    got = response.json()
    assert (got["id"], got["subject"]) == (message_id, "Welcome")
    # The whole parsed message, as GET /messages/{id} gives it.
    assert got["text"] == "Hello there.\n"
    assert got["recipients"] == ["ann@example.com"]


def test_without_a_query_any_message_answers(api, send):
    message_id = send(make_message())
    assert api.get("/wait", params={"timeout": LONG}).json()["id"] == message_id


def test_the_first_match_answers(api, send):
    first = send(make_message("Invoice 1"))
    send(make_message("Invoice 2"))
    response = api.get("/wait", params={"query": "subject:invoice", "timeout": LONG})
    assert response.json()["id"] == first


def test_pending_wait_wakes_on_an_smtp_delivery(mailtrap, api, send, pending_waits):
    send(make_message("Not this one", to="bob@example.com"), to=["bob@example.com"])
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(
            api.get, "/wait", params={"query": "to:ann@example.com", "timeout": LONG}
        )
        pending_waits.wait_started()
        assert not pending.done()
        # A message that does not match leaves it waiting...
        send(make_message("Still not", to="bob@example.com"), to=["bob@example.com"])
        # ...one that matches wakes it.
        delivered = time.monotonic()
        message_id = send(make_message("Welcome"), to=["ann@example.com"])
        response = pending.result(timeout=HTTP_TIMEOUT)
    assert time.monotonic() - delivered < WELL_BEFORE
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["subject"]) == (message_id, "Welcome")


def test_pending_wait_wakes_on_an_injected_message(api, pending_waits):
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api.get, "/wait", params={"query": "subject:hello", "timeout": LONG})
        pending_waits.wait_started()
        injected = api.post(
            "/messages", content=b"To: a@example.com\r\nSubject: Hello\r\n\r\nx\r\n"
        )
        response = pending.result(timeout=HTTP_TIMEOUT)
    assert response.json()["id"] == injected.json()["id"]


def test_after_takes_only_later_messages(api, send, pending_waits):
    earlier = send(make_message("Reset your password"))
    params = {"query": "subject:reset", "after": earlier}
    assert api.get("/wait", params={**params, "timeout": 0.2}).status_code == 408
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api.get, "/wait", params={**params, "timeout": LONG})
        pending_waits.wait_started()
        later = send(make_message("Reset your password"))
        response = pending.result(timeout=HTTP_TIMEOUT)
    assert response.json()["id"] == later
    # And when the later one is already there, it answers at once.
    assert api.get("/wait", params={**params, "timeout": LONG}).json()["id"] == later


def test_after_an_unknown_id_is_404(api):
    response = api.get("/wait", params={"after": "ffffffff", "timeout": LONG})
    assert response.status_code == 404
    assert response.json() == {"detail": "no message with id 'ffffffff'"}


def test_since_takes_only_messages_received_from_then(api, send, pending_waits):
    send(make_message("Old news"))
    since = datetime.now(timezone.utc).isoformat()
    params = {"since": since, "timeout": 0.2}
    assert api.get("/wait", params=params).status_code == 408
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api.get, "/wait", params={**params, "timeout": LONG})
        pending_waits.wait_started()
        fresh = send(make_message("Fresh"))
        response = pending.result(timeout=HTTP_TIMEOUT)
    assert response.json()["id"] == fresh
    # A time before everything: the first message answers.
    old = api.get("/wait", params={"since": "2000-01-01T00:00:00Z", "timeout": LONG}).json()
    assert old["subject"] == "Old news"


def test_timeout_is_408_json(api, send):
    send(make_message("Unrelated"))
    started = time.monotonic()
    response = api.get("/wait", params={"query": "to:nobody@example.com", "timeout": 0.2})
    elapsed = time.monotonic() - started
    assert response.status_code == 408
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert "0.2s" in detail and "nobody@example.com" in detail
    assert 0.2 <= elapsed < WELL_BEFORE


@pytest.mark.parametrize("timeout", ["0", "-1", "301", "soon"])
def test_timeout_out_of_range_is_422(api, timeout):
    response = api.get("/wait", params={"timeout": timeout})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "timeout"]


def test_bad_query_is_400(api):
    response = api.get("/wait", params={"query": "is:maybe", "timeout": LONG})
    assert response.status_code == 400
    assert "column 3" in response.json()["detail"]


@pytest.mark.asyncio
async def test_many_pending_waits_wake_on_one_delivery(mailtrap, pending_waits):
    async with httpx.AsyncClient(
        base_url=f"{mailtrap.api_url}/api/v1", timeout=HTTP_TIMEOUT
    ) as client:
        queries = ["to:ann@example.com", "subject:welcome", "from:app@example.com"]
        waits = [
            asyncio.ensure_future(client.get("/wait", params={"query": q, "timeout": LONG}))
            for q in queries
        ]
        for _ in queries:
            await asyncio.to_thread(pending_waits.wait_started)
        delivered = time.monotonic()
        message_id = await asyncio.to_thread(
            smtp_send, mailtrap.smtp_port, make_message("Welcome"), to=["ann@example.com"]
        )
        responses = await asyncio.wait_for(asyncio.gather(*waits), HTTP_TIMEOUT)
    assert time.monotonic() - delivered < WELL_BEFORE
    assert [r.json()["id"] for r in responses] == [message_id] * len(queries)


def test_pending_wait_ends_with_503_when_the_server_stops(monkeypatch):
    before = server_threads()
    server = MailServer(smtps_port=None).start()
    try:
        pending_waits = PendingWaits(server.store, monkeypatch)
        with api_client(server.api_url) as api, ThreadPoolExecutor(1) as pool:
            pending = pool.submit(api.get, "/wait", params={"timeout": LONG})
            pending_waits.wait_started()
            stopping = time.monotonic()
            server.stop()
            stopped = time.monotonic() - stopping
            response = pending.result(timeout=HTTP_TIMEOUT)
    finally:
        server.stop()
    assert stopped < 2
    assert response.status_code == 503
    assert response.json() == {"detail": "the server is stopping"}
    assert server_threads() == before


def test_an_app_made_in_process_waits_on_any_event_loop():
    # `create_app` is public: an app served in-process (a test client may run each
    # request on a loop of its own) must not tie its waits to the first loop.
    store = Store()
    app = create_app(ApiContext(store=store))

    async def wait_once() -> httpx.Response:
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/api/v1/wait", params={"timeout": 0.05})

    assert [asyncio.run(wait_once()).status_code for _ in range(3)] == [408, 408, 408]
    store.deliver(Message(b"Subject: in-process\r\n\r\nx\r\n", recipients=["a@example.com"]))
    assert asyncio.run(wait_once()).json()["subject"] == "in-process"
