"""Accounts over HTTP: mailboxes made by delivery, users declared with a password."""

from __future__ import annotations

import smtplib

import pytest

from .helpers import HTTP_TIMEOUT, make_message


def smtp_login(mailtrap, user: str, password: str) -> int:
    """The reply code of AUTH PLAIN as `user` (235 in, 535 refused)."""
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=HTTP_TIMEOUT) as client:
        client.ehlo()
        try:
            return client.login(user, password)[0]
        except smtplib.SMTPAuthenticationError as refused:
            return refused.smtp_code


def test_list_has_one_account_per_recipient_with_inbox_counts(api, send):
    send(make_message("one"), to=["bob@example.com", "ann@example.com"])
    send(make_message("two"), to=["ann@example.com"])
    accounts = api.get("/accounts").json()
    assert [a["address"] for a in accounts] == ["ann@example.com", "bob@example.com"]
    ann, bob = accounts
    assert ann["declared"] is False
    [inbox] = ann["folders"]
    assert inbox["name"] == "INBOX"
    assert (inbox["messages"], inbox["unseen"], inbox["uidnext"]) == (2, 2, 3)
    assert inbox["uidvalidity"] > 0
    assert (bob["folders"][0]["messages"], bob["folders"][0]["uidnext"]) == (1, 2)


def test_list_is_empty_on_a_fresh_server(api):
    assert api.get("/accounts").json() == []


def test_get_one_ignores_case(api, send):
    send(make_message(), to=["Ann@Example.com"])
    response = api.get("/accounts/ANN@example.COM")
    assert response.status_code == 200
    got = response.json()
    assert got["address"] == "ann@example.com"
    assert got["folders"][0]["messages"] == 1


def test_get_unknown_is_404(api):
    response = api.get("/accounts/nobody@example.com")
    assert response.status_code == 404
    assert response.json() == {"detail": "no account 'nobody@example.com'"}


@pytest.mark.mailtrap(strict=True)
def test_declared_user_logs_in_on_a_strict_server_until_removed(mailtrap, api):
    assert smtp_login(mailtrap, "ann@example.com", "s3cret") == 535
    response = api.post("/accounts", json={"address": "ann@example.com", "password": "s3cret"})
    assert response.status_code == 201
    assert response.json() == {
        "address": "ann@example.com",
        "declared": True,
        "folders": [
            {
                "name": "INBOX",
                "uidvalidity": response.json()["folders"][0]["uidvalidity"],
                "uidnext": 1,
                "messages": 0,
                "unseen": 0,
            }
        ],
    }
    assert smtp_login(mailtrap, "ann@example.com", "s3cret") == 235
    assert smtp_login(mailtrap, "ann@example.com", "wrong") == 535
    assert smtp_login(mailtrap, "bob@example.com", "s3cret") == 535
    assert api.get("/accounts/ann@example.com").json()["declared"] is True
    assert api.get("/info").json()["strict"] is True

    response = api.delete("/accounts/ann@example.com")
    assert response.status_code == 204
    assert response.content == b""
    assert smtp_login(mailtrap, "ann@example.com", "s3cret") == 535
    assert api.get("/accounts/ann@example.com").status_code == 404


@pytest.mark.mailtrap(strict=True)
def test_declared_user_sends_as_themselves(mailtrap, api, send):
    api.post("/accounts", json={"address": "app@example.com", "password": "pw"})
    message_id = send(make_message(), login=("app@example.com", "pw"))
    assert api.get(f"/messages/{message_id}").json()["auth_user"] == "app@example.com"


def test_declared_user_needs_their_password_on_a_catch_all_server(mailtrap, api):
    assert smtp_login(mailtrap, "ann@example.com", "anything") == 235
    api.post("/accounts", json={"address": "Ann@Example.com", "password": "s3cret"})
    assert smtp_login(mailtrap, "ann@example.com", "anything") == 535
    assert smtp_login(mailtrap, "ann@example.com", "s3cret") == 235
    # Everybody else still gets in with any password.
    assert smtp_login(mailtrap, "bob@example.com", "anything") == 235


def test_declaring_an_existing_mailbox_keeps_its_mail(api, send):
    send(make_message(), to=["ann@example.com"])
    response = api.post("/accounts", json={"address": "ann@example.com", "password": "pw"})
    assert response.status_code == 201
    assert response.json()["declared"] is True
    assert response.json()["folders"][0]["messages"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"address": "ann@example.com"},
        {"password": "pw"},
        {"address": "", "password": "pw"},
        {"address": "ann@example.com", "password": 42},
    ],
)
def test_declare_with_a_bad_body_is_422(api, body):
    response = api.post("/accounts", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert api.get("/accounts").json() == []


def test_delete_a_mailbox_keeps_the_captured_message(mailtrap, api, send):
    message_id = send(make_message(), to=["ann@example.com"])
    assert api.delete("/accounts/ann@example.com").status_code == 204
    assert api.get("/accounts/ann@example.com").status_code == 404
    assert api.get("/accounts").json() == []
    # The capture log changes only through the message routes.
    assert api.get(f"/messages/{message_id}").status_code == 200
    assert [m.id for m in mailtrap.messages] == [message_id]
    again = api.delete("/accounts/ann@example.com")
    assert again.status_code == 404
    assert again.json() == {"detail": "no account 'ann@example.com'"}
