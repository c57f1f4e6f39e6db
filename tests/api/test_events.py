"""`GET /events`: server-sent events, read with httpx streaming as a script would.

`ready` comes first and means the stream is subscribed: anything that happens
after the client has read it is on the stream, in the order it happened.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx

from mailtrap_py import MailServer

from .helpers import HTTP_TIMEOUT, api_client, make_message, read_events, server_threads, smtp_send

Event = tuple[str, dict]


def events_of(response: httpx.Response) -> Iterator[Event]:
    for name, data in read_events(response.iter_lines()):
        yield name, json.loads(data)


def test_ready_first_then_changes_in_order(mailtrap, api, send):
    """Read in the test's thread: each change is on the stream, in order, with the
    stream left open meanwhile (the server does not wait for the reader)."""
    with api_client(mailtrap.api_url) as watcher, watcher.stream("GET", "/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        events = events_of(response)
        assert next(events) == ("ready", {"messages": 0})

        first = send(make_message("First"), to=["ann@example.com", "bob@example.com"])
        second = send(make_message("Second"))
        injected = api.post(
            "/messages", content=b"To: c@example.com\r\nSubject: Third\r\n\r\n.\r\n"
        )
        third = injected.json()["id"]
        assert api.delete(f"/messages/{second}").status_code == 204
        assert api.delete("/messages", params={"query": "subject:third"}).json() == {"deleted": 1}
        assert api.delete("/messages").json() == {"deleted": 1}

        seen = [next(events) for _ in range(6)]
    assert [kind for kind, _ in seen] == ["new", "new", "new", "deleted", "deleted", "cleared"]
    news = [data for kind, data in seen if kind == "new"]
    assert [n["id"] for n in news] == [first, second, third]
    assert [n["subject"] for n in news] == ["First", "Second", "Third"]
    assert news[0]["recipients"] == ["ann@example.com", "bob@example.com"]
    assert news[0]["from"] == {"address": "app@example.com", "name": ""}
    assert [data for kind, data in seen if kind != "new"] == [
        {"ids": [second]},
        {"ids": [third]},
        {},
    ]


def test_new_event_is_the_list_summary(mailtrap, api, send):
    with api_client(mailtrap.api_url) as watcher, watcher.stream("GET", "/events") as response:
        events = events_of(response)
        assert next(events)[0] == "ready"
        send(make_message("Summary"))
        kind, data = next(events)
    assert kind == "new"
    assert [data] == api.get("/messages").json()["messages"]


def test_ready_counts_what_is_already_there(mailtrap, send):
    send(make_message("one"))
    send(make_message("two"))
    with api_client(mailtrap.api_url) as watcher, watcher.stream("GET", "/events") as response:
        assert next(events_of(response)) == ("ready", {"messages": 2})


def test_events_arrive_live_to_a_reader_thread(mailtrap, send):
    """A reader in its own thread gets each event as it happens, before the next."""
    received: queue.Queue[Event] = queue.Queue()

    def read(count: int) -> None:
        with api_client(mailtrap.api_url) as watcher, watcher.stream("GET", "/events") as r:
            events = events_of(r)
            for _ in range(count):
                received.put(next(events))

    with ThreadPoolExecutor(1) as pool:
        reader = pool.submit(read, 4)
        assert received.get(timeout=HTTP_TIMEOUT)[0] == "ready"
        sent = []
        for n in range(3):
            sent.append(send(make_message(f"live {n}")))
            kind, data = received.get(timeout=HTTP_TIMEOUT)
            assert (kind, data["id"]) == ("new", sent[-1])
        reader.result(timeout=HTTP_TIMEOUT)


def test_two_subscribers_see_the_same_events(mailtrap, send):
    with (
        api_client(mailtrap.api_url) as one,
        api_client(mailtrap.api_url) as two,
        one.stream("GET", "/events") as first,
        two.stream("GET", "/events") as second,
    ):
        streams = [events_of(first), events_of(second)]
        assert [next(s)[0] for s in streams] == ["ready", "ready"]
        message_id = send(make_message())
        mailtrap.clear()
        for stream in streams:
            kind, data = next(stream)
            assert (kind, data["id"]) == ("new", message_id)
            assert next(stream) == ("cleared", {})


def test_stream_closes_when_the_server_stops_and_the_stop_is_prompt():
    before = server_threads()
    server = MailServer(smtps_port=None).start()
    try:
        with api_client(server.api_url) as watcher, watcher.stream("GET", "/events") as response:
            events = events_of(response)
            assert next(events) == ("ready", {"messages": 0})
            smtp_send(server.smtp_port, make_message("before the stop"))
            assert next(events)[0] == "new"
            stopping = time.monotonic()
            server.stop()
            stopped = time.monotonic() - stopping
            # The stream ends cleanly: no more events, no error.
            assert list(events) == []
    finally:
        server.stop()
    # uvicorn's graceful wait is 2 s: a stream that held the stop up would take that.
    assert stopped < 1.5
    assert server_threads() == before
