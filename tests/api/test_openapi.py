"""schemathesis over the OpenAPI schema: no server error, no response that breaks it.

The schema is the app's own (`/openapi.json`, checked below to be what the server
serves); requests go over real sockets to a running MailServer seeded with mail.
Generated ids rarely name a stored message, so a second test walks every route
with real ids and validates those responses against the schema too.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mailtrap_py import MailServer
from mailtrap_py.api.app import ApiContext, create_app
from mailtrap_py.message import Message
from mailtrap_py.store import Store

from .helpers import HTTP_TIMEOUT, make_message

# Bodies for POST /messages: a few real messages, and arbitrary bytes (which the
# server must also store without failing: it captures whatever SMTP would).
SEED_RAW = [
    b"From: a@example.com\r\nTo: ann@example.com\r\nSubject: Seed\r\n\r\nCode 482913\r\n",
    b"To: bob@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\n\xc3\xa9\r\n",
]
schemathesis.openapi.media_type(
    "message/rfc822", st.one_of(st.sampled_from(SEED_RAW), st.binary(max_size=300))
)

# The stream never ends on its own; test_events.py covers it.
SCHEMA = schemathesis.openapi.from_dict(create_app(ApiContext(store=Store())).openapi()).exclude(
    path="/api/v1/events"
)
# A query that the schema allows may still not parse (400), and a generated id names
# no message (404): both are right answers, so "schema-valid means 2xx" is not checked.
EXCLUDED_CHECKS = [positive_data_acceptance]
# A generated /wait would otherwise hold a request for up to 300 s.
SHORT_WAIT = 0.01


def rich_message() -> bytes:
    msg = make_message(html='<p>Hi <a href="https://example.com/x">x</a></p>')
    msg["Cc"] = "carl@example.com"
    msg.add_attachment(bytes(range(256)), maintype="application", subtype="pdf", filename="é.pdf")
    return msg.as_bytes()


def seed(store: Store) -> list[Message]:
    messages = [
        Message(rich_message(), sender="app@example.com", recipients=["ann@example.com"]),
        *(Message(raw, sender="", recipients=["bob@example.com"]) for raw in SEED_RAW),
    ]
    for message in messages:
        store.deliver(message)
    return messages


@pytest.fixture(scope="module")
def server() -> Iterator[MailServer]:
    with MailServer(smtps_port=None) as server:
        yield server


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def shorten_wait(case: schemathesis.Case) -> None:
    """Make a generated /wait time out at once, unless its timeout is the invalid
    part of a negative case (then it must stay what it is, to be refused)."""
    if case.path != "/api/v1/wait":
        return
    timeout = case.query.get("timeout")
    if timeout is None:
        case.query["timeout"] = SHORT_WAIT
        return
    if isinstance(timeout, bool):
        return
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        return
    if 0 < seconds <= 300:
        case.query["timeout"] = SHORT_WAIT


@SCHEMA.parametrize()
@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_generated_requests_conform(case, server, session):
    if len(server.store) == 0:  # a generated DELETE /messages emptied it
        seed(server.store)
    shorten_wait(case)
    case.call_and_validate(
        base_url=server.api_url,
        session=session,
        timeout=HTTP_TIMEOUT,
        excluded_checks=EXCLUDED_CHECKS,
    )


def test_every_route_with_real_data_conforms(server, session):
    server.store.clear()
    rich, plain, _ = seed(server.store)
    part = rich.attachments[0].part
    calls = [
        ("/api/v1/messages", "GET", {}, {"limit": 2, "offset": 1}),
        ("/api/v1/messages", "GET", {}, {"query": "to:ann@example.com"}),
        ("/api/v1/messages/{message_id}", "GET", {"message_id": rich.id}, {}),
        ("/api/v1/messages/{message_id}", "GET", {"message_id": plain.id}, {}),
        ("/api/v1/messages/{message_id}/raw", "GET", {"message_id": rich.id}, {}),
        ("/api/v1/messages/{message_id}/html", "GET", {"message_id": rich.id}, {}),
        ("/api/v1/messages/{message_id}/html", "GET", {"message_id": plain.id}, {}),
        ("/api/v1/messages/{message_id}/text", "GET", {"message_id": rich.id}, {}),
        (
            "/api/v1/messages/{message_id}/parts/{part}",
            "GET",
            {"message_id": rich.id, "part": part},
            {},
        ),
        ("/api/v1/wait", "GET", {}, {"query": "subject:seed", "timeout": 5}),
        ("/api/v1/wait", "GET", {}, {"after": rich.id, "query": "to:nobody", "timeout": 0.05}),
        ("/api/v1/wait", "GET", {}, {"query": 'subject:"open', "timeout": 5}),
        ("/api/v1/accounts", "GET", {}, {}),
        ("/api/v1/accounts/{address}", "GET", {"address": "ann@example.com"}, {}),
        ("/api/v1/health", "GET", {}, {}),
        ("/api/v1/info", "GET", {}, {}),
        ("/api/v1/messages/{message_id}", "DELETE", {"message_id": plain.id}, {}),
        ("/api/v1/messages", "DELETE", {}, {"query": "to:bob@example.com"}),
        ("/api/v1/accounts/{address}", "DELETE", {"address": "ann@example.com"}, {}),
        ("/api/v1/messages", "DELETE", {}, {}),
    ]
    statuses = []
    for path, method, path_parameters, query in calls:
        case = SCHEMA[path][method].Case(path_parameters=path_parameters, query=query)
        response = case.call_and_validate(
            base_url=server.api_url,
            session=session,
            timeout=HTTP_TIMEOUT,
            excluded_checks=EXCLUDED_CHECKS,
        )
        statuses.append(response.status_code)
    # The walk reached the answers it was meant to (not 404s all the way).
    assert statuses == [200] * 6 + [404] + [200] * 3 + [408, 400] + [200] * 4 + [204, 200, 204, 200]

    posts = [
        ("/api/v1/messages", {"to": ["x@example.com"]}, SEED_RAW[0], "message/rfc822", 201),
        ("/api/v1/accounts", {}, {"address": "u@example.com", "password": "pw"}, None, 201),
    ]
    for path, query, body, media_type, status in posts:
        case = SCHEMA[path]["POST"].Case(query=query, body=body, media_type=media_type)
        response = case.call_and_validate(
            base_url=server.api_url,
            session=session,
            timeout=HTTP_TIMEOUT,
            excluded_checks=EXCLUDED_CHECKS,
        )
        assert response.status_code == status


def test_the_schema_tested_is_the_one_served(server):
    served = httpx.get(f"{server.api_url}/openapi.json", timeout=HTTP_TIMEOUT).json()
    assert served == create_app(ApiContext(store=Store())).openapi()
    assert served["openapi"].startswith("3.")
