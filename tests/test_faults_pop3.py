"""Fault rules on POP3, seen through poplib (and a raw socket where poplib would
hide the order of things): a login refused with the injected text, a RETR delayed
or dropped, rules for one user only, seeded rules that replay, and the marker and
CLI forms. Mail goes in over SMTP first, as an app would send it."""

from __future__ import annotations

import poplib
import random
import smtplib
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

TIMEOUT = 10
RAW = b"Subject: hello\r\nTo: ann@example.com\r\n\r\nfirst line\r\n.dot line\r\nlast\r\n"


def deliver(mailtrap, raw: bytes = RAW, to: str = "ann@example.com") -> None:
    with smtplib.SMTP(mailtrap.host, mailtrap.smtp_port, timeout=TIMEOUT) as client:
        assert client.sendmail("app@example.com", [to], raw) == {}


class POP3(poplib.POP3):
    """poplib's client, closing its socket when the greeting is refused (poplib
    leaves it to the garbage collector, a ResourceWarning)."""

    def __init__(self, host: str, port: int) -> None:
        try:
            super().__init__(host, port, timeout=TIMEOUT)
        except BaseException:
            if getattr(self, "sock", None) is not None:
                self.close()
            raise


@contextmanager
def pop3(mailtrap, user: str | None = "ann@example.com") -> Iterator[poplib.POP3]:
    """A poplib client, logged in unless `user` is None; always closed."""
    client = POP3(mailtrap.host, mailtrap.pop3_port)
    try:
        if user is not None:
            client.user(user)
            client.pass_("any")
        yield client
    finally:
        client.close()


def released(mailtrap, user: str = "ann@example.com") -> None:
    """Wait until the server has seen a dropped session end (its maildrop lock)."""
    assert mailtrap.server.pop3_locks.wait_released(user, TIMEOUT)


def retr_bytes(client: poplib.POP3, number: int) -> bytes:
    _resp, lines, _octets = client.retr(number)
    return b"\r\n".join(lines) + b"\r\n"


# -- login refused -------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["USER", "PASS"])
def test_login_refused_with_the_injected_text_then_accepted(mailtrap, stage):
    deliver(mailtrap)
    rule = mailtrap.faults.reject(
        stage=stage, protocol="pop3", text="[SYS/TEMP] Try again later", times=1
    )
    client = POP3(mailtrap.host, mailtrap.pop3_port)
    try:
        with pytest.raises(poplib.error_proto) as caught:
            client.user("ann@example.com")
            client.pass_("any")
        assert caught.value.args[0] == b"-ERR [SYS/TEMP] Try again later"
        assert rule.fired == 1
        if stage == "PASS":
            # As after a refused PASS: the USER name is used up, PASS alone fails.
            with pytest.raises(poplib.error_proto, match="send USER first"):
                client.pass_("any")
        # times=1: the next attempt goes through.
        client.user("ann@example.com")
        assert client.pass_("any").startswith(b"+OK Logged in: 1 messages")
        assert client.stat()[0] == 1
        assert rule.fired == 1
    finally:
        client.close()


def test_a_rule_for_one_user_leaves_the_others_alone(mailtrap):
    deliver(mailtrap, to="ann@example.com")
    deliver(mailtrap, to="bob@example.com")
    login = mailtrap.faults.reject(stage="PASS", protocol="pop3", match="ann@*", text="no")
    drop = mailtrap.faults.disconnect(stage="RETR", protocol="pop3", match="/^bob@/")
    with pytest.raises(poplib.error_proto, match="-ERR no"), pop3(mailtrap, "ann@example.com"):
        pass
    with pop3(mailtrap, "carol@example.com") as client:
        assert client.stat() == (0, 0)
    assert login.fired == 1
    # At RETR the logged-in user is what the pattern sees.
    with pop3(mailtrap, "bob@example.com") as client:
        with pytest.raises((poplib.error_proto, OSError)):
            client.retr(1)
    mailtrap.faults.remove(login.id)
    with pop3(mailtrap, "ann@example.com") as client:
        assert retr_bytes(client, 1) == RAW
    assert (login.fired, drop.fired) == (1, 1)


def test_an_smtp_rule_does_not_touch_pop3(mailtrap):
    deliver(mailtrap)
    rule = mailtrap.faults.disconnect(stage="*")  # smtp, every command
    with pop3(mailtrap) as client:
        assert retr_bytes(client, 1) == RAW
        client.quit()
    assert rule.fired == 0


# -- the greeting ----------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["connect", "greeting"])
def test_a_refused_greeting_is_the_injected_err(mailtrap, stage):
    rule = mailtrap.faults.reject(stage=stage, protocol="pop3", text="[SYS/TEMP] Busy", times=1)
    with pytest.raises(poplib.error_proto) as caught:
        POP3(mailtrap.host, mailtrap.pop3_port)
    assert caught.value.args[0] == b"-ERR [SYS/TEMP] Busy"
    with pop3(mailtrap, None) as client:
        assert client.getwelcome().startswith(b"+OK mailtrap-py ready.")
    assert rule.fired == 1


def test_a_disconnect_at_connect_drops_before_any_greeting(mailtrap):
    mailtrap.faults.disconnect(stage="connect", protocol="pop3")
    with pytest.raises((poplib.error_proto, OSError)) as caught:
        POP3(mailtrap.host, mailtrap.pop3_port)
    if isinstance(caught.value, poplib.error_proto):
        assert caught.value.args[0] == "-ERR EOF"


# -- RETR delayed, dropped, throttled -----------------------------------------------------


def test_retr_delayed_and_the_bytes_still_exact(mailtrap):
    deliver(mailtrap)
    rule = mailtrap.faults.delay(stage="RETR", seconds=0.5, protocol="pop3")
    with pop3(mailtrap) as client:
        assert client.stat()[0] == 1
        assert rule.fired == 0  # STAT is not the rule's stage
        started = time.monotonic()
        data = retr_bytes(client, 1)
        took = time.monotonic() - started
    assert data == RAW
    assert took >= 0.5
    assert rule.fired == 1


def test_retr_dropped_loses_the_dele_marks(mailtrap):
    deliver(mailtrap, RAW)
    deliver(mailtrap, b"Subject: second\r\n\r\nbody\r\n")
    rule = mailtrap.faults.disconnect(stage="RETR", protocol="pop3", times=1)
    with pop3(mailtrap) as client:
        client.dele(2)
        with pytest.raises((poplib.error_proto, OSError)) as caught:
            client.retr(1)
        if isinstance(caught.value, poplib.error_proto):
            assert caught.value.args[0] == "-ERR EOF"
    assert rule.fired == 1
    released(mailtrap)
    with pop3(mailtrap) as client:
        assert client.stat()[0] == 2  # the DELE was not applied
        assert retr_bytes(client, 1) == RAW
        client.quit()
    assert rule.fired == 1


def test_throttled_retr_takes_its_time_and_arrives_whole(mailtrap):
    raw = b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n"
    raw += b"y" * 70 * 20 + b"\r\n"
    deliver(mailtrap, raw)
    mailtrap.faults.throttle(3000, stage="RETR", protocol="pop3")
    with pop3(mailtrap) as client:
        started = time.monotonic()
        _resp, lines, _octets = client.retr(1)
        took = time.monotonic() - started
    assert b"\r\n".join(lines) + b"\r\n" == raw
    assert 0.3 <= took < 5.0  # about 1500 bytes at 3000 per second


def test_a_delay_keeps_pipelined_answers_in_order(mailtrap):
    deliver(mailtrap)
    mailtrap.faults.delay(stage="USER", seconds=0.2, protocol="pop3")
    mailtrap.faults.reject(stage="STAT", protocol="pop3", text="stat refused")
    with socket.create_connection((mailtrap.host, mailtrap.pop3_port), TIMEOUT) as sock:
        sock.sendall(b"USER ann@example.com\r\nPASS any\r\nSTAT\r\nNOOP\r\nQUIT\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    lines = received.split(b"\r\n")
    assert lines[0].startswith(b"+OK mailtrap-py ready.")
    assert lines[1] == b"+OK Send PASS."
    assert lines[2].startswith(b"+OK Logged in: 1 messages")
    assert lines[3:] == [b"-ERR stat refused", b"+OK", b"+OK Logging out.", b""]


# -- triggers and counts ----------------------------------------------------------------


def test_a_seeded_probability_rule_replays(mailtrap):
    def run() -> list[bool]:
        outcomes = []
        with pop3(mailtrap) as client:
            for _ in range(20):
                try:
                    client.noop()
                    outcomes.append(False)
                except poplib.error_proto as error:
                    assert error.args[0] == b"-ERR failure injected by mailtrap-py"
                    outcomes.append(True)
            client.quit()  # frees the maildrop for the second run
        return outcomes

    rule = mailtrap.faults.fail(stage="NOOP", protocol="pop3", probability=0.5, seed=7)
    first = run()
    mailtrap.faults.clear()
    mailtrap.faults.add("pop3:NOOP:-ERR:probability=0.5:seed=7")
    second = run()
    draws = random.Random(7)
    assert first == second == [draws.random() < 0.5 for _ in range(20)]
    assert True in first and False in first
    assert rule.fired == first.count(True)


def test_fired_and_seen_counts(mailtrap):
    deliver(mailtrap)
    every = mailtrap.faults.reject(stage="STAT", protocol="pop3", every=2)
    anything = mailtrap.faults.delay(stage="*", seconds=0, protocol="pop3")
    answers = []
    with pop3(mailtrap) as client:
        for _ in range(4):
            try:
                answers.append(client.stat())
            except poplib.error_proto:
                answers.append(None)
        client.quit()
    assert answers == [(1, len(RAW)), None, (1, len(RAW)), None]
    assert (every.seen, every.fired) == (4, 2)
    # USER, PASS, two STATs, QUIT: at a STAT the reject rule answered, rules after
    # it were not consulted and do not count.
    assert (anything.seen, anything.fired) == (5, 5)


# -- the marker and the CLI ------------------------------------------------------------------


@pytest.mark.mailtrap(faults=["pop3:RETR:-ERR:times=1:text=[SYS/TEMP] Marker says no"])
def test_the_marker_form(mailtrap):
    deliver(mailtrap)
    with pop3(mailtrap) as client:
        with pytest.raises(poplib.error_proto) as caught:
            client.retr(1)
        assert caught.value.args[0] == b"-ERR [SYS/TEMP] Marker says no"
        assert retr_bytes(client, 1) == RAW
    [rule] = mailtrap.faults.rules
    assert rule.fired == 1


def test_pop3_fault_flags_parse_into_rules():
    from mailtrap_py.cli import parse_faults

    specs = (
        "pop3:RETR:delay=0.5:match=ann@*",
        "pop3:PASS:-ERR:times=1:text=[AUTH] Go away: now",
        "pop3:RETR:disconnect:every=2",
    )
    rules = parse_faults(specs, None)
    assert [r.spec() for r in rules] == list(specs)
    assert [(r.protocol, r.stage, r.action) for r in rules] == [
        ("pop3", "RETR", "delay"),
        ("pop3", "PASS", "reply"),
        ("pop3", "RETR", "disconnect"),
    ]
    assert rules[1].text == "[AUTH] Go away: now"


# -- with TLS ----------------------------------------------------------------------------


def test_rules_hold_after_stls_and_on_pop3s(mailtrap):
    deliver(mailtrap)
    rule = mailtrap.faults.reject(stage="RETR", protocol="pop3", text="no RETR", every=2)
    with pop3(mailtrap, None) as client:
        assert client.stls(mailtrap.client_ssl_context()) == b"+OK Begin TLS negotiation now."
        client.user("ann@example.com")
        client.pass_("any")
        assert retr_bytes(client, 1) == RAW
        with pytest.raises(poplib.error_proto, match="-ERR no RETR"):
            client.retr(1)
    released(mailtrap)
    client = poplib.POP3_SSL(
        mailtrap.host, mailtrap.pop3s_port, context=mailtrap.client_ssl_context(), timeout=TIMEOUT
    )
    try:
        client.user("ann@example.com")
        client.pass_("any")
        assert retr_bytes(client, 1) == RAW
        with pytest.raises(poplib.error_proto, match="-ERR no RETR"):
            client.retr(1)
        client.quit()
    finally:
        client.close()
    assert (rule.seen, rule.fired) == (4, 2)
