"""faults.py without sockets: the compact syntax, matching, triggers, decisions."""

from __future__ import annotations

import re
import threading

import pytest

from mailtrap_py.faults import (
    SPEC_HELP,
    FaultError,
    FaultSet,
    Rule,
    Throttle,
    chaos_rules,
    parse_rule,
)
from mailtrap_py.smtp.policy import Greylist, RecipientPolicy

# -- the compact syntax --------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "smtp:RCPT:550:bounce@*",
            {"protocol": "smtp", "stage": "RCPT", "code": 550, "match": "bounce@*"},
        ),
        ("smtp:DATA:451:times=2", {"stage": "DATA", "code": 451, "times": 2}),
        ("RCPT:452", {"protocol": "smtp", "stage": "RCPT", "code": 452}),
        ("smtp:data:delay=2.5", {"stage": "DATA", "delay": 2.5}),
        ("smtp:connect:throttle=1024", {"stage": "connect", "throttle": 1024}),
        (
            "smtp:connect:throttle=1024-10240:probability=0.1:seed=3",
            {"throttle": 1024, "throttle_max": 10240, "probability": 0.1, "seed": 3},
        ),
        ("smtp:*:disconnect:every=5", {"stage": "*", "disconnect": True, "every": 5}),
        ("pop3:RETR:disconnect", {"protocol": "pop3", "stage": "RETR", "disconnect": True}),
        ("pop3:USER:-err:match=ann@*", {"code": "-ERR", "match": "ann@*"}),
        ("imap:LOGIN:NO", {"protocol": "imap", "stage": "LOGIN", "code": "NO"}),
        ("imap:fetch:bad", {"stage": "FETCH", "code": "BAD"}),
        (
            "smtp:MAIL:550:/^spam/:text=5.7.1 Refused: spam, sorry",
            {"match": "/^spam/", "text": "5.7.1 Refused: spam, sorry"},
        ),
        ("smtp:greeting:554", {"stage": "greeting", "code": 554}),
    ],
)
def test_parse(spec, expected):
    rule = parse_rule(spec)
    for name, value in expected.items():
        assert getattr(rule, name) == value, name


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("smtp:RCPT", "expected"),
        ("smtp:RCPT:250", "4xx or 5xx"),
        ("smtp:RCPT:-ERR", "a number"),
        ("pop3:RETR:550", "-ERR"),
        ("imap:LOGIN:-ERR", "NO or BAD"),
        ("smtp:RCPT:explode", "unknown action"),
        ("smtp:RCPT:550:times=0", "times"),
        ("smtp:RCPT:550:times=two", "two"),
        ("smtp:RCPT:550:probability=2", "between 0 and 1"),
        ("smtp:RCPT:550:color=red", "unknown key"),
        ("smtp:RCPT:550:a@*:b@*", "two match"),
        ("smtp:RC PT:550", "stage"),
        ("smtp:RCPT:550:/[/", "regular expression"),
        ("smtp:connect:throttle=0", "bytes per second"),
        ("smtp:connect:throttle=10-5", "throttle_max"),
        ("smtp:DATA:delay=-1", "delay"),
        ("ftp:RETR:550", "unknown action"),
    ],
)
def test_parse_errors_say_what_is_wrong(spec, error):
    with pytest.raises(FaultError, match=re.escape(error)):
        parse_rule(spec)


@pytest.mark.parametrize(
    "spec",
    [
        "smtp:RCPT:550:match=bounce@*",
        "smtp:DATA:451:times=2",
        "smtp:DATA:delay=2",
        "smtp:connect:throttle=1024-2048:probability=0.5:seed=7",
        "pop3:RETR:disconnect:every=3",
        "imap:LOGIN:NO:match=/^ann/:text=[AUTHENTICATIONFAILED] no",
    ],
)
def test_spec_round_trips(spec):
    assert parse_rule(spec).spec() == spec
    assert parse_rule(parse_rule(spec).spec()).spec() == spec


def test_a_rule_has_exactly_one_action():
    with pytest.raises(FaultError, match="exactly one action"):
        Rule(stage="DATA")
    with pytest.raises(FaultError, match="exactly one action"):
        Rule(stage="DATA", code=451, delay=1)


def test_default_texts_and_codes():
    faults = FaultSet()
    assert faults.reject().text == "5.1.1 Mailbox unavailable"
    assert faults.fail().code == 451
    assert faults.reject(stage="AUTH").code == 535
    assert faults.fail(stage="AUTH").code == 454
    assert faults.reject(stage="greeting").code == 554
    assert faults.fail(stage="connect").code == 421
    assert faults.reject(stage="RETR", protocol="pop3").code == "-ERR"
    assert faults.fail(stage="LOGIN", protocol="imap").code == "NO"
    assert faults.reject(code=599).text == "5.0.0 Failure injected by mailtrap-py"
    with pytest.raises(TypeError, match="colour"):
        faults.reject(colour="red")


def test_help_documents_the_examples():
    for example in ("smtp:RCPT:550:bounce@*", "smtp:DATA:451:times=2", "pop3:RETR:disconnect"):
        assert example in SPEC_HELP
        parse_rule(example)


# -- matching ----------------------------------------------------------------


def test_glob_and_regex_matching_ignore_case():
    faults = FaultSet()
    faults.reject(stage="RCPT", match="bounce@*")
    assert faults.decide("smtp", "RCPT", address="Bounce@Example.com") is not None
    assert faults.decide("smtp", "RCPT", address="ann@example.com") is None
    faults.clear()
    faults.reject(stage="RCPT", match="/\\+test@/")
    assert faults.decide("smtp", "RCPT", address="ann+test@x.test") is not None
    assert faults.decide("smtp", "RCPT", address="ann@x.test") is None
    faults.clear()
    faults.reject(stage="RCPT", match=re.compile("^ops"))
    assert faults.decide("smtp", "RCPT", address="ops@x.test") is not None
    assert faults.decide("smtp", "RCPT", address="devops@x.test") is None


def test_match_against_user_and_any_of_several_addresses():
    faults = FaultSet()
    faults.reject(stage="DATA", match="vip@*")
    assert faults.decide("smtp", "DATA", addresses=["a@x", "vip@x"]) is not None
    assert faults.decide("smtp", "DATA", addresses=["a@x", "b@x"]) is None
    faults.clear()
    faults.reject(stage="USER", protocol="pop3", match="ann")
    assert faults.decide("pop3", "USER", user="ann") is not None
    assert faults.decide("pop3", "USER", user="bob") is None


def test_rules_apply_to_their_protocol_and_stage_only():
    faults = FaultSet()
    faults.reject(stage="RETR", protocol="pop3")
    assert faults.decide("smtp", "RETR") is None
    assert faults.decide("pop3", "LIST") is None
    assert faults.decide("pop3", "RETR") is not None


def test_star_covers_commands_but_not_connect_or_greeting():
    faults = FaultSet([Rule(stage="*", disconnect=True)])
    assert faults.decide("smtp", "NOOP") is not None
    assert faults.decide("smtp", "connect") is None
    assert faults.decide("smtp", "greeting") is None


# -- triggers ------------------------------------------------------------------


def fire_pattern(rule: Rule, events: int, **who: str) -> list[bool]:
    faults = FaultSet([rule])
    return [faults.decide(rule.protocol, rule.stage, **who) is not None for _ in range(events)]


def test_times():
    rule = Rule(stage="RCPT", code=451, times=2)
    assert fire_pattern(rule, 4) == [True, True, False, False]
    assert (rule.fired, rule.seen, rule.exhausted) == (2, 2, True)


def test_every():
    assert fire_pattern(Rule(stage="RCPT", code=451, every=3), 7) == [
        False,
        False,
        True,
        False,
        False,
        True,
        False,
    ]


def test_every_and_times_combine():
    assert fire_pattern(Rule(stage="RCPT", code=451, every=2, times=1), 5) == [
        False,
        True,
        False,
        False,
        False,
    ]


def test_seeded_probability_replays():
    first = fire_pattern(Rule(stage="RCPT", code=451, probability=0.3, seed=42), 200)
    again = fire_pattern(Rule(stage="RCPT", code=451, probability=0.3, seed=42), 200)
    other = fire_pattern(Rule(stage="RCPT", code=451, probability=0.3, seed=43), 200)
    assert first == again != other
    assert 30 < sum(first) < 90


def test_an_unseeded_rule_keeps_the_seed_it_drew_so_a_run_can_be_replayed():
    rule = Rule(stage="RCPT", code=451, probability=0.5)
    assert rule.seed is not None
    replay = Rule(stage="RCPT", code=451, probability=0.5, seed=rule.seed)
    assert fire_pattern(rule, 50) == fire_pattern(replay, 50)
    assert f"seed={rule.seed}" in rule.spec()


def test_probability_edges():
    assert fire_pattern(Rule(stage="RCPT", code=451, probability=0), 20) == [False] * 20
    assert fire_pattern(Rule(stage="RCPT", code=451, probability=1), 20) == [True] * 20


def test_non_matching_events_do_not_count():
    rule = Rule(stage="RCPT", code=451, times=1, match="b@*")
    faults = FaultSet([rule])
    assert faults.decide("smtp", "RCPT", address="a@x") is None
    assert rule.seen == 0
    assert faults.decide("smtp", "RCPT", address="b@x") is not None


# -- decisions -----------------------------------------------------------------


def test_delays_add_up_throttle_applies_and_the_first_ending_rule_wins():
    faults = FaultSet()
    one = faults.delay(stage="DATA", seconds=1)
    two = faults.delay(stage="DATA", seconds=0.5)
    rate = faults.throttle(bytes_per_second=100, stage="DATA")
    first = faults.fail(stage="DATA", code=452)
    second = faults.reject(stage="DATA", code=554)
    action = faults.decide("smtp", "DATA")
    assert action is not None
    assert action.delay == 1.5
    assert action.throttle == 100
    assert (action.code, action.reply_line()) == (452, "452 4.3.1 Insufficient system storage")
    assert action.rules == [one, two, rate, first]
    assert second.seen == 0  # never consulted: the answer was already given


def test_reply_lines_per_protocol():
    faults = FaultSet(["pop3:RETR:-ERR:text=no such message", "imap:FETCH:NO"])
    pop = faults.decide("pop3", "RETR")
    imap = faults.decide("imap", "FETCH")
    assert pop is not None and imap is not None
    assert pop.reply_line() == "-ERR no such message"
    assert imap.reply_line("A7") == "A7 NO failure injected by mailtrap-py"


def test_remove_get_and_listing():
    faults = FaultSet()
    rule = faults.reject()
    other = faults.fail()
    assert faults.get(rule.id) is rule
    assert faults.remove(rule.id) is rule
    assert faults.remove(rule.id) is None
    assert faults.rules == [other]
    assert len(faults) == 1
    d = other.to_dict()
    assert (d["id"], d["action"], d["fired"], d["spec"]) == (other.id, "reply", 0, other.spec())


def test_thread_safe_counting():
    faults = FaultSet()
    rule = faults.fail(stage="RCPT", times=500)

    def hammer() -> None:
        for _ in range(200):
            faults.decide("smtp", "RCPT", address="a@x")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (rule.fired, rule.seen) == (500, 500)


def test_fired_faults_are_logged_at_info(caplog):
    caplog.set_level("INFO", logger="mailtrap_py.faults")
    faults = FaultSet(["smtp:RCPT:550:bounce@*"])
    faults.decide("smtp", "RCPT", address="bounce@x.test", peer="127.0.0.1:5000")
    [record] = [r for r in caplog.records if "fault fired" in r.getMessage()]
    assert record.levelname == "INFO"
    text = record.getMessage()
    assert "smtp RCPT for bounce@x.test from 127.0.0.1:5000" in text
    assert "smtp:RCPT:550:match=bounce@*" in text


# -- chaos ---------------------------------------------------------------------


def test_chaos_has_jims_probabilities_and_replays_by_seed():
    rules = chaos_rules(seed=5)
    assert [(r.stage, r.action, r.probability) for r in rules] == [
        ("connect", "disconnect", 0.01),
        ("connect", "throttle", 0.1),
        ("*", "disconnect", 0.005),
        ("MAIL", "reply", 0.05),
        ("RCPT", "reply", 0.05),
        ("AUTH", "reply", 0.05),
    ]
    assert (rules[1].throttle, rules[1].throttle_max) == (1024, 10240)
    assert [r.seed for r in rules] == [r.seed for r in chaos_rules(seed=5)]
    assert [r.seed for r in rules] != [r.seed for r in chaos_rules(seed=6)]


def test_throttle_range_draws_rates_within_it():
    faults = FaultSet([Rule(stage="connect", throttle=10, throttle_max=20, seed=1)])
    rates = set()
    for _ in range(50):
        action = faults.decide("smtp", "connect")
        assert action is not None and action.throttle is not None
        rates.add(action.throttle)
    assert min(rates) >= 10 and max(rates) <= 20 and len(rates) > 3


def test_throttle_step_is_a_tenth_of_a_second():
    assert Throttle(1000).step == 100
    assert Throttle(5).step == 1


# -- policies without sockets --------------------------------------------------


def test_greylist_with_a_fake_clock():
    now = [0.0]
    grey = Greylist(60, clock=lambda: now[0])
    assert grey.check("10.0.0.1", "a@x", "b@x") == (
        "451 4.7.1 Greylisted, please try again in 60 seconds"
    )
    now[0] = 59
    assert grey.check("10.0.0.1", "a@x", "b@x") == (
        "451 4.7.1 Greylisted, please try again in 1 seconds"
    )
    assert grey.check("10.0.0.2", "a@x", "b@x") is not None  # another triple
    now[0] = 60
    assert grey.check("10.0.0.1", "A@x", "b@X") is None
    grey.clear()
    assert grey.check("10.0.0.1", "a@x", "b@x") is not None


def test_greylist_zero_refuses_only_the_first_attempt():
    grey = Greylist(0, clock=lambda: 5.0)
    assert grey.check("ip", "a", "b") is not None
    assert grey.check("ip", "a", "b") is None


def test_recipient_policy_checks_its_numbers():
    with pytest.raises(ValueError, match="max_recipients"):
        RecipientPolicy(max_recipients=0)
    with pytest.raises(ValueError, match="greylist"):
        RecipientPolicy(greylist=-1)


@pytest.mark.asyncio
async def test_throttle_paces_writes_as_a_pop3_or_imap_transport_would_use_it():
    import asyncio
    import time

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await Throttle(20_000).write(writer.transport, b"x" * 10_000)  # type: ignore[arg-type]
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = await reader.read()  # to EOF
    took = time.monotonic() - started
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    assert len(data) == 10_000
    assert 0.4 <= took < 5  # 10 KB at 20 KB/s: half a second
