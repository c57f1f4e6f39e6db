"""/api/v1/faults with httpx: add, list with counts, remove; the rules bite over SMTP."""

from __future__ import annotations

import smtplib

import httpx
import pytest

RAW = b"Subject: x\r\n\r\nx\r\n"


@pytest.fixture
def api(mailtrap):
    with httpx.Client(base_url=f"{mailtrap.api_url}/api/v1", timeout=10) as client:
        yield client


def test_faults_round_trip(mailtrap, api):
    assert api.get("/faults").json() == []
    created = api.post("/faults", json={"spec": "smtp:RCPT:550:bounce@*"})
    assert created.status_code == 201, created.text
    rule = created.json()
    assert (rule["stage"], rule["code"], rule["match"], rule["fired"]) == (
        "RCPT",
        550,
        "bounce@*",
        0,
    )
    fields = api.post(
        "/faults",
        json={"stage": "DATA", "code": 451, "text": "4.3.0 Later", "times": 1},
    )
    assert fields.status_code == 201, fields.text
    assert fields.json()["spec"] == "smtp:DATA:451:times=1:text=4.3.0 Later"

    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=10) as client:
        client.ehlo()
        client.mail("app@example.com")
        assert client.rcpt("bounce@example.com")[0] == 550
        assert client.rcpt("ann@example.com")[0] == 250
        assert client.data(RAW) == (451, b"4.3.0 Later")

    listed = api.get("/faults").json()
    assert [(r["id"], r["fired"]) for r in listed] == [(rule["id"], 1), (fields.json()["id"], 1)]
    assert api.get(f"/faults/{rule['id']}").json()["fired"] == 1
    assert api.delete(f"/faults/{rule['id']}").status_code == 204
    assert [r["id"] for r in api.get("/faults").json()] == [fields.json()["id"]]
    assert [r.id for r in mailtrap.faults] == [fields.json()["id"]]  # the same rules
    assert api.delete("/faults").status_code == 204
    assert api.get("/faults").json() == []
    assert len(mailtrap.faults) == 0


def test_rules_added_in_python_show_over_http(mailtrap, api):
    rule = mailtrap.faults.delay(stage="MAIL", seconds=2)
    [shown] = api.get("/faults").json()
    assert (shown["id"], shown["action"], shown["delay"]) == (rule.id, "delay", 2.0)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"spec": "smtp:RCPT:250"}, "4xx or 5xx"),
        ({"stage": "RCPT"}, "exactly one action"),
        ({"code": 550}, "needs a stage"),
        ({"spec": "smtp:RCPT:550", "code": 550}, "either spec"),
        ({"stage": "RCPT", "code": 550, "match": "/[/"}, "regular expression"),
    ],
)
def test_bad_rules_are_400_with_the_reason(api, body, detail):
    response = api.post("/faults", json=body)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]


def test_unknown_rule_is_404(api):
    assert api.get("/faults/999999").status_code == 404
    assert api.delete("/faults/999999").status_code == 404
