"""Fault rules shared by the protocol servers: make the server fail on purpose.

A `Rule` says where (protocol and stage), for whom (an optional address or user
pattern), what (reply with an error, delay, disconnect, throttle) and when
(always, the next N times, every Nth time, with a seeded probability). A
`FaultSet` holds the rules of one server; the test's thread adds rules while the
server's loop consults them, so every access takes its lock.

Transports call one hook per stage:

    action = faults.decide("pop3", "RETR", user="ann@example.com")
    if action is not None:
        await action.pause()                  # a delay rule fired: sleep first
        if action.disconnect:
            transport.close()
        elif action.reply is not None:
            write(action.reply_line("pop3"))  # "-ERR ..." instead of the real answer

and `Throttle` paces a connection's reads and writes once a throttle rule fired.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import logging
import random
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger("mailtrap_py.faults")

PROTOCOLS = ("smtp", "pop3", "imap")
Protocol = Literal["smtp", "pop3", "imap"]

# Stages that are not a command name: the connection is accepted (`connect`), the
# server is about to greet (`greeting`). `*` is every command of the protocol.
CONNECT = "connect"
GREETING = "greeting"
ANY_COMMAND = "*"

# The reply forms of the other protocols: POP3 has one error status (RFC 1939
# section 3); IMAP has NO (refused) and BAD (protocol error), RFC 3501 section 7.1.
POP3_REPLIES = ("-ERR",)
IMAP_REPLIES = ("NO", "BAD")

# Text of an SMTP reply when the rule gives only a code: the usual enhanced status
# code (RFC 3463) and wording of real servers for that code.
SMTP_TEXTS = {
    421: "4.3.2 Service not available, closing transmission channel",
    450: "4.2.1 Mailbox unavailable, try again later",
    451: "4.3.0 Local error in processing, try again later",
    452: "4.3.1 Insufficient system storage",
    454: "4.7.0 Temporary authentication failure",
    530: "5.7.0 Authentication required",
    535: "5.7.8 Authentication credentials invalid",
    550: "5.1.1 Mailbox unavailable",
    551: "5.1.6 User not local",
    552: "5.3.4 Message size exceeds fixed maximum message size",
    553: "5.1.3 Mailbox name not allowed",
    554: "5.0.0 Transaction failed",
}


class FaultError(ValueError):
    """A rule that cannot work: bad stage, code, trigger or spec string."""


def default_text(protocol: str, code: int | str) -> str:
    if isinstance(code, int):
        return SMTP_TEXTS.get(code, f"{code // 100}.0.0 Failure injected by mailtrap-py")
    return "failure injected by mailtrap-py"


def default_code(protocol: str, stage: str, *, permanent: bool) -> int | str:
    """The error reply a test most likely means by "reject" or "fail" here."""
    if protocol == "pop3":
        return "-ERR"
    if protocol == "imap":
        return "NO"
    stage = normalise_stage(stage)
    if stage == "AUTH":
        return 535 if permanent else 454
    if stage in (CONNECT, GREETING):
        return 554 if permanent else 421
    return 550 if permanent else 451


def normalise_stage(stage: str) -> str:
    """`connect`, `greeting` and `*` as they are; command names in upper case."""
    low = stage.strip().lower()
    if low in (CONNECT, GREETING, ANY_COMMAND):
        return low
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", stage.strip()):
        raise FaultError(f"stage {stage!r} is not connect, greeting, * or a command name")
    return stage.strip().upper()


class Matcher:
    """An address or user pattern: a glob (`*@bounce.test`), or a regular expression
    between slashes (`/^ann(\\+.*)?@/`), searched. Both ignore case."""

    def __init__(self, pattern: str | re.Pattern[str]) -> None:
        if isinstance(pattern, re.Pattern):
            self.text = f"/{pattern.pattern}/"
            self._regex = pattern
            return
        self.text = pattern
        if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
            try:
                self._regex = re.compile(pattern[1:-1], re.IGNORECASE)
            except re.error as error:
                raise FaultError(f"bad regular expression {pattern!r}: {error}") from error
        else:
            self._regex = re.compile(fnmatch.translate(pattern), re.IGNORECASE)

    @property
    def is_regex(self) -> bool:
        return self.text.startswith("/")

    def __call__(self, value: str) -> bool:
        if self.is_regex:
            return self._regex.search(value) is not None
        return self._regex.match(value) is not None

    def __repr__(self) -> str:
        return f"Matcher({self.text!r})"


_ids = itertools.count(1)


@dataclass(eq=False)
class Rule:
    """One fault: where, for whom, what, and when.

    Exactly one action: `code` (an error reply: an SMTP code 400-599, POP3 "-ERR",
    IMAP "NO"/"BAD"; `text` overrides the default wording), `delay` (seconds before
    the server answers), `disconnect` (the server hangs up instead of answering), or
    `throttle` (bytes per second for the rest of the connection; `throttle_max`
    makes it a random rate between the two).

    Trigger: always by default; `times` fires on the next N matching events then
    stops; `every` fires on every Nth; `probability` fires at random from a
    `random.Random(seed)` (a seed is picked and kept when none is given, so a
    failing run can be replayed with the same seed). They combine: `times=1,
    every=3` fires on the third event only.

    `fired` counts how often the rule fired, `seen` how many events it matched.
    """

    protocol: str = "smtp"
    stage: str = "DATA"
    code: int | str | None = None
    text: str | None = None
    delay: float | None = None
    disconnect: bool = False
    throttle: int | None = None
    throttle_max: int | None = None
    match: str | re.Pattern[str] | None = None
    times: int | None = None
    every: int | None = None
    probability: float | None = None
    seed: int | None = None
    id: int = field(default_factory=lambda: next(_ids))
    fired: int = field(default=0, init=False)
    seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.protocol = self.protocol.lower()
        if self.protocol not in PROTOCOLS:
            raise FaultError(f"protocol {self.protocol!r} is not one of {', '.join(PROTOCOLS)}")
        self.stage = normalise_stage(self.stage)
        actions = [
            self.code is not None,
            self.delay is not None,
            self.disconnect,
            self.throttle is not None,
        ]
        if sum(actions) != 1:
            raise FaultError("a rule has exactly one action: code, delay, disconnect or throttle")
        if self.code is not None:
            self.code = _check_code(self.protocol, self.code)
            if self.text is None:
                self.text = default_text(self.protocol, self.code)
        elif self.text is not None:
            raise FaultError("text goes with a reply code")
        if self.delay is not None and self.delay < 0:
            raise FaultError("delay is seconds, 0 or more")
        if self.throttle is not None and self.throttle < 1:
            raise FaultError("throttle is bytes per second, 1 or more")
        if self.throttle_max is not None and (
            self.throttle is None or self.throttle_max < self.throttle
        ):
            raise FaultError("throttle_max needs a throttle no larger than it")
        if self.times is not None and self.times < 1:
            raise FaultError("times is 1 or more")
        if self.every is not None and self.every < 1:
            raise FaultError("every is 1 or more")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise FaultError("probability is between 0 and 1")
        if self.seed is None:
            self.seed = random.SystemRandom().randrange(2**32)
        self._random = random.Random(self.seed)
        self._matcher = Matcher(self.match) if self.match is not None else None

    # -- what the rule does ---------------------------------------------------

    @property
    def action(self) -> str:
        if self.code is not None:
            return "reply"
        if self.delay is not None:
            return "delay"
        return "disconnect" if self.disconnect else "throttle"

    @property
    def ends(self) -> bool:
        """A reply or a disconnect: the command does not go on after it."""
        return self.code is not None or self.disconnect

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def applies(self, protocol: str, stage: str, values: Iterable[str]) -> bool:
        if protocol != self.protocol:
            return False
        if not (
            self.stage == stage
            or (self.stage == ANY_COMMAND and stage not in (CONNECT, GREETING))
            # An EHLO rule covers HELO too: a client refused at EHLO falls back to
            # HELO (RFC 5321 section 4.1.4), which should not slip past the rule.
            or (protocol == "smtp" and self.stage == "EHLO" and stage == "HELO")
        ):
            return False
        return self._matcher is None or any(self._matcher(v) for v in values)

    def _trigger(self) -> bool:
        """Count one matching event; True if the rule fires on it (lock held)."""
        if self.exhausted:
            return False
        self.seen += 1
        if self.every is not None and self.seen % self.every:
            return False
        if self.probability is not None and self._random.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def _rate(self) -> int | None:
        if self.throttle is None or self.throttle_max is None:
            return self.throttle
        return self._random.randint(self.throttle, self.throttle_max)

    # -- the compact form -----------------------------------------------------

    @classmethod
    def parse(cls, spec: str) -> Rule:
        return parse_rule(spec)

    def spec(self) -> str:
        """This rule in the CLI syntax (`Rule.parse(rule.spec())` gives it back)."""
        parts = [self.protocol, self.stage]
        if self.code is not None:
            parts.append(str(self.code))
        elif self.delay is not None:
            parts.append(f"delay={self.delay:g}")
        elif self.disconnect:
            parts.append("disconnect")
        else:
            rate = f"{self.throttle}"
            if self.throttle_max is not None:
                rate += f"-{self.throttle_max}"
            parts.append(f"throttle={rate}")
        if self._matcher is not None:
            parts.append(f"match={self._matcher.text}")
        for name in ("times", "every", "probability"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value:g}" if name == "probability" else f"{name}={value}")
        if self.probability is not None or self.throttle_max is not None:
            parts.append(f"seed={self.seed}")
        if self.code is not None and self.text != default_text(self.protocol, self.code):
            parts.append(f"text={self.text}")
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "protocol": self.protocol,
            "stage": self.stage,
            "action": self.action,
            "code": self.code,
            "text": self.text,
            "delay": self.delay,
            "throttle": self.throttle,
            "throttle_max": self.throttle_max,
            "match": self._matcher.text if self._matcher is not None else None,
            "times": self.times,
            "every": self.every,
            "probability": self.probability,
            "seed": self.seed,
            "fired": self.fired,
            "seen": self.seen,
            "spec": self.spec(),
        }

    def __repr__(self) -> str:
        return f"<Rule {self.id} {self.spec()} fired={self.fired}>"


def _check_code(protocol: str, code: int | str) -> int | str:
    if protocol == "smtp":
        try:
            number = int(code)
        except (TypeError, ValueError):
            raise FaultError(f"an SMTP reply code is a number, not {code!r}") from None
        if not 400 <= number <= 599:
            raise FaultError(f"an SMTP fault replies 4xx or 5xx, not {number}")
        return number
    allowed = POP3_REPLIES if protocol == "pop3" else IMAP_REPLIES
    word = str(code).upper()
    if word not in allowed:
        raise FaultError(f"a {protocol} fault replies {' or '.join(allowed)}, not {code!r}")
    return word


# -- the compact syntax ------------------------------------------------------

SPEC_HELP = """\
[PROTOCOL:]STAGE:ACTION[:MATCH][:key=value...]

  PROTOCOL  smtp (default), pop3 or imap
  STAGE     connect, greeting, a command (EHLO, AUTH, MAIL, RCPT, DATA, USER, RETR,
            LOGIN, FETCH, ...) or * for every command
  ACTION    a reply: an SMTP code (550), -ERR (POP3), NO or BAD (IMAP);
            delay=SECONDS; disconnect; throttle=BYTES_PER_SECOND[-MAX]
  MATCH     address or user pattern: a glob (bounce@*) or /regex/ (same as match=)
  keys      times=N, every=N, probability=P, seed=N, match=PATTERN,
            text=REPLY TEXT (last: it takes the rest, colons included)

  smtp:RCPT:550:bounce@*        smtp:DATA:451:times=2
  smtp:DATA:delay=5             smtp:connect:throttle=1024
  smtp:MAIL:550:probability=0.1:seed=7:text=5.7.1 Sender refused
  pop3:RETR:disconnect          imap:LOGIN:NO:match=ann@*"""


def parse_rule(spec: str) -> Rule:
    """A Rule from its compact form; see SPEC_HELP."""
    head, sep, text = spec.partition(":text=")
    parts = head.split(":")
    protocol = parts.pop(0).lower() if parts and parts[0].lower() in PROTOCOLS else "smtp"
    if len(parts) < 2 or not all(parts[:2]):
        raise FaultError(f"{spec!r}: expected [PROTOCOL:]STAGE:ACTION[:...]")
    stage, action, *rest = parts
    options: dict[str, Any] = {"protocol": protocol, "stage": stage}
    if sep:
        options["text"] = text
    name, eq, value = action.partition("=")
    name = name.lower()
    try:
        if name == "delay" and eq:
            options["delay"] = float(value)
        elif name == "throttle" and eq:
            low, dash, high = value.partition("-")
            options["throttle"] = int(low)
            if dash:
                options["throttle_max"] = int(high)
        elif name in ("disconnect", "drop") and not eq:
            options["disconnect"] = True
        elif not eq and (action.isdigit() or action.upper() in (*POP3_REPLIES, *IMAP_REPLIES)):
            options["code"] = int(action) if action.isdigit() else action.upper()
        else:
            raise FaultError(f"{spec!r}: unknown action {action!r}")
        for item in rest:
            key, eq, value = item.partition("=")
            if not eq:
                if "match" in options:
                    raise FaultError(f"{spec!r}: two match patterns")
                options["match"] = item
            elif key in ("times", "every", "seed"):
                options[key] = int(value)
            elif key == "probability":
                options[key] = float(value)
            elif key == "match":
                options[key] = value
            else:
                raise FaultError(f"{spec!r}: unknown key {key!r}")
    except ValueError as error:
        if isinstance(error, FaultError):
            raise
        raise FaultError(f"{spec!r}: {error}") from error
    try:
        return Rule(**options)
    except FaultError as error:
        raise FaultError(f"{spec!r}: {error}") from error


def chaos_rules(seed: int | None = None) -> list[Rule]:
    """MailHog Jim's default chaos as rules (its flags' defaults, docs/JIM.md).

    accept 0.99 (so 1% of connections are dropped at once), disconnect 0.005 per
    command, link speed affected 0.1 of connections at 1024-10240 bytes/s, and
    MAIL, RCPT and AUTH each rejected with probability 0.05. Each rule gets its own
    seed derived from `seed`, so one number replays the whole run.
    """
    seeds = random.Random(seed)

    def next_seed() -> int:
        return seeds.randrange(2**32)

    return [
        Rule(stage=CONNECT, disconnect=True, probability=0.01, seed=next_seed()),
        Rule(stage=CONNECT, throttle=1024, throttle_max=10240, probability=0.1, seed=next_seed()),
        Rule(stage=ANY_COMMAND, disconnect=True, probability=0.005, seed=next_seed()),
        Rule(
            stage="MAIL",
            code=550,
            text="5.1.0 Sender rejected",
            probability=0.05,
            seed=next_seed(),
        ),
        Rule(
            stage="RCPT",
            code=550,
            text="5.1.1 Recipient rejected",
            probability=0.05,
            seed=next_seed(),
        ),
        Rule(stage="AUTH", code=535, probability=0.05, seed=next_seed()),
    ]


# -- what a transport does ----------------------------------------------------


@dataclass
class Action:
    """What the fired rules of one event ask of the transport, in order: throttle
    the connection from now on, wait `delay` seconds, then hang up or send
    `reply` instead of the normal answer (or, neither, answer normally)."""

    rules: list[Rule] = field(default_factory=list)
    delay: float = 0.0
    throttle: int | None = None
    code: int | str | None = None
    text: str | None = None
    disconnect: bool = False

    @property
    def reply(self) -> tuple[int | str, str] | None:
        if self.code is None:
            return None
        return self.code, self.text or ""

    @property
    def ends(self) -> bool:
        return self.disconnect or self.code is not None

    def reply_line(self, tag: str | None = None) -> str:
        """The reply as its protocol writes it, without CRLF: `550 5.1.1 ...`,
        `-ERR ...`, `A1 NO ...` (give the IMAP command's tag)."""
        if self.code is None:
            raise ValueError("this action sends no reply")
        if isinstance(self.code, int):
            return f"{self.code} {self.text}"
        if tag is not None:
            return f"{tag} {self.code} {self.text}"
        return f"{self.code} {self.text}"

    async def pause(self) -> None:
        if self.delay > 0:
            await asyncio.sleep(self.delay)


class FaultSet:
    """The rules of one server, in the order they were added. Thread-safe.

    The methods named after what a test wants (`reject`, `fail`, `delay`,
    `disconnect`, `throttle`) add a rule and return it; `rule.fired` then says
    whether the server used it.
    """

    def __init__(self, rules: Iterable[Rule | str] = ()) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        for rule in rules:
            self.add(rule)

    # -- the test's side -----------------------------------------------------

    def add(self, rule: Rule | str) -> Rule:
        """Add a Rule, or a rule in the compact syntax."""
        if isinstance(rule, str):
            rule = parse_rule(rule)
        with self._lock:
            self._rules.append(rule)
        log.info("fault rule added: %r (seed %s)", rule, rule.seed)
        return rule

    def reject(
        self,
        stage: str = "RCPT",
        code: int | str | None = None,
        text: str | None = None,
        *,
        match: str | re.Pattern[str] | None = None,
        protocol: str = "smtp",
        **trigger: Any,
    ) -> Rule:
        """Answer `stage` with a permanent error: SMTP 550 by default (535 at AUTH,
        554 at connect and greeting), POP3 -ERR, IMAP NO."""
        if code is None:
            code = default_code(protocol, stage, permanent=True)
        return self.add(
            Rule(protocol, stage, code=code, text=text, match=match, **_trigger(trigger))
        )

    def fail(
        self,
        stage: str = "DATA",
        code: int | str | None = None,
        text: str | None = None,
        *,
        match: str | re.Pattern[str] | None = None,
        protocol: str = "smtp",
        **trigger: Any,
    ) -> Rule:
        """Answer `stage` with a temporary error: SMTP 451 by default (454 at AUTH,
        421 at connect and greeting), POP3 -ERR, IMAP NO. With `times=2` the third
        attempt goes through."""
        if code is None:
            code = default_code(protocol, stage, permanent=False)
        return self.add(
            Rule(protocol, stage, code=code, text=text, match=match, **_trigger(trigger))
        )

    def delay(
        self,
        stage: str = "DATA",
        seconds: float = 1.0,
        *,
        match: str | re.Pattern[str] | None = None,
        protocol: str = "smtp",
        **trigger: Any,
    ) -> Rule:
        """Wait `seconds` before answering `stage` (then answer normally)."""
        return self.add(Rule(protocol, stage, delay=seconds, match=match, **_trigger(trigger)))

    def disconnect(
        self,
        stage: str = "DATA",
        *,
        match: str | re.Pattern[str] | None = None,
        protocol: str = "smtp",
        **trigger: Any,
    ) -> Rule:
        """Hang up instead of answering `stage` (at DATA: after the data came)."""
        return self.add(Rule(protocol, stage, disconnect=True, match=match, **_trigger(trigger)))

    def throttle(
        self,
        bytes_per_second: int = 1024,
        *,
        stage: str = CONNECT,
        protocol: str = "smtp",
        match: str | re.Pattern[str] | None = None,
        **trigger: Any,
    ) -> Rule:
        """From `stage` on (the connection's start by default), move at most
        `bytes_per_second` each way."""
        return self.add(
            Rule(protocol, stage, throttle=bytes_per_second, match=match, **_trigger(trigger))
        )

    def remove(self, rule_id: int) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.id == rule_id:
                    self._rules.remove(rule)
                    return rule
        return None

    def get(self, rule_id: int) -> Rule | None:
        with self._lock:
            return next((r for r in self._rules if r.id == rule_id), None)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)

    def __bool__(self) -> bool:
        return True  # an empty set is still the server's set

    def __repr__(self) -> str:
        return f"<FaultSet {self.rules!r}>"

    # -- the transports' side ------------------------------------------------

    def decide(
        self,
        protocol: str,
        stage: str,
        *,
        user: str | None = None,
        address: str | None = None,
        addresses: Iterable[str] = (),
        peer: str | None = None,
    ) -> Action | None:
        """The action for one event, or None when no rule fires.

        `user`, `address` and `addresses` are what a rule's match pattern is
        tested against (any of them matching is a match). Every delay and throttle
        rule that fires adds to the action; the first reply or disconnect rule that
        fires ends it (later ones are not consulted, so they do not count).
        """
        if not self._rules:  # the common case, read without the lock: a list's truth is atomic
            return None
        values = [v for v in (user, address, *addresses) if v]
        action = Action()
        with self._lock:
            for rule in self._rules:
                if not rule.applies(protocol, stage, values) or not rule._trigger():
                    continue
                action.rules.append(rule)
                if rule.delay is not None:
                    action.delay += rule.delay
                elif rule.throttle is not None:
                    action.throttle = rule._rate()
                elif rule.disconnect:
                    action.disconnect = True
                    break
                else:
                    action.code, action.text = rule.code, rule.text
                    break
        if not action.rules:
            return None
        for rule in action.rules:
            log.info(
                "fault fired at %s %s%s%s: %r",
                protocol,
                stage,
                f" for {', '.join(values)}" if values else "",
                f" from {peer}" if peer else "",
                rule,
            )
        return action


def _trigger(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - {"times", "every", "probability", "seed"}
    if unknown:
        raise TypeError(f"unexpected option(s): {', '.join(sorted(unknown))}")
    return options


class Throttle:
    """Paces one connection to `bytes_per_second`, for reads and writes.

    Reads: `read` pauses the transport, hands the chunk on in slices of a tenth of
    a second's worth, each when its time comes, then resumes reading; the client's
    upload backs up behind the paused socket. Writes: `write` sends such slices
    and sleeps between them.
    """

    def __init__(self, bytes_per_second: int) -> None:
        self.rate = bytes_per_second
        self.step = max(1, bytes_per_second // 10)

    def read(
        self,
        transport: asyncio.BaseTransport,
        data: bytes,
        feed: Callable[[bytes], object],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        if not isinstance(transport, asyncio.ReadTransport):
            feed(data)
            return
        transport.pause_reading()
        view = memoryview(data)

        def next_slice(start: int) -> None:
            if transport.is_closing():
                return
            chunk = bytes(view[start : start + self.step])
            feed(chunk)
            start += len(chunk)
            if start < len(data):
                loop.call_later(len(chunk) / self.rate, next_slice, start)
            else:
                loop.call_later(len(chunk) / self.rate, resume)

        def resume() -> None:
            if not transport.is_closing() and not transport.is_reading():
                transport.resume_reading()

        loop.call_later(0, next_slice, 0)

    async def write(self, transport: asyncio.WriteTransport, data: bytes) -> None:
        for start in range(0, len(data), self.step):
            if transport.is_closing():
                return
            chunk = data[start : start + self.step]
            transport.write(chunk)
            await asyncio.sleep(len(chunk) / self.rate)
