"""SMTP ingest, start/stop and fixture-cost benchmarks for mailtrap-py.

Run: `.venv/bin/python bench/smtp_ingest.py` (or `make bench`). Three parts:

1. Ingest throughput. `--connections` concurrent SMTP connections send `--messages`
   messages of about `--size` bytes per round, one MAIL/RCPT/DATA per message and
   no pipelining, to (A) mailtrap-py's `MailServer` and (B) bare aiosmtpd whose
   handler only keeps `envelope.original_content`. Each server runs in its own
   subprocess (this script re-invoked with `--serve NAME`); the load comes from
   this process through a minimal asyncio client. Rounds alternate A B A B and the
   median of the per-pair ratios A/B is reported (peers.md: the machine is shared
   and absolute rates drift). After every round the server is asked how many
   messages it holds, how many distinct ones of this round, and a digest of their
   bytes: every message must be there exactly once, byte for byte.
2. Start/stop. `MailServer()` with its defaults (SMTP + SMTPS, ephemeral ports)
   started and stopped in this process; the first run, which makes the TLS CA, is
   reported on its own, then the median of the rest.
3. Per-test cost of the `mailtrap` fixture, with pytest in a subprocess
   (`-q -p no:cacheprovider`; the plugin loads from its entry point), two ways.
   Wall clock: a file of N tests that take `mailtrap` and one of N that take
   nothing; (t_mailtrap - t_none) / (N - 1), where t is the wall time from the end
   of the first test to the end of the session, recorded by a conftest hook
   (interpreter start-up, plugin imports and the first test's one-time costs are
   the same for both files and vary by a second on a busy machine: they are left
   out, and the first test is reported on its own), medians of `--fixture-repeats`
   runs. Per test: one file interleaving N tests of each kind (nothing, a no-op
   fixture, `mailtrap`), each test's setup+teardown recorded by the hook; the
   medians' differences give the steady-state cost a test pays, split into
   pytest's cost of having any fixture and mailtrap's own work. Interleaving
   compares the kinds at the same moment, so load from other processes hits all
   three alike.

Beside the rates, part 1 reports each server's CPU time per message (the
subprocess's own `time.process_time()` across the round): it is less sensitive to
what else the machine runs than the wall-clock rate, and it isolates server cost
from client cost. It also times each server's `handle_DATA` alone, in this
process and without sockets: the per-message work mailtrap-py adds on top of
aiosmtpd (building the `Message`, `Store.deliver`) against a bare list append.

`--serve NAME` protocol (for part 1): the subprocess prints `PORT <n>`, then answers
lines on stdin: `clear` -> `OK <cpu>`; `stats TAG` -> `STATS <cpu> <messages held>
<distinct ids of round TAG> <digest of the raw bytes>`; it stops when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HOST = "127.0.0.1"
SERVERS = ("mailtrap", "aiosmtpd")
TARGET_RATIO = 0.9

# Every message carries a unique id header; servers count distinct ids with this.
BENCH_ID = re.compile(rb"^X-Bench-Id: (\S+)\r$", re.MULTILINE)


# -- the servers, one per subprocess -------------------------------------------


class _ServerHandle:
    """What the `--serve` loop needs: the port, and the captured raw messages."""

    port: int

    def raw_messages(self) -> list[bytes]:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _Mailtrap(_ServerHandle):
    def __init__(self) -> None:
        from mailtrap_py.server import MailServer

        self.server = MailServer(smtps_port=None).start()
        self.port = self.server.smtp_port

    def raw_messages(self) -> list[bytes]:
        return [m.raw for m in self.server.messages]

    def clear(self) -> None:
        self.server.clear()

    def close(self) -> None:
        self.server.stop()


class _KeepBytes:
    """The aiosmtpd floor: a handler that only keeps the bytes."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append(envelope.original_content)
        return "250 OK"


class _Aiosmtpd(_ServerHandle):
    """aiosmtpd's `SMTP` on `loop.create_server`, its loop in a thread.

    The same shape as `MailServer` (one loop in a daemon thread, one listening
    socket), so the two differ only in the per-connection SMTP work. `hostname` is
    given so aiosmtpd does not call the blocking `socket.getfqdn()` per connection
    (mailtrap-py gives it too); the other options match mailtrap-py's.
    """

    def __init__(self) -> None:
        from aiosmtpd.smtp import SMTP

        self.handler = _KeepBytes()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        def factory() -> SMTP:
            return SMTP(
                self.handler,
                hostname="localhost",
                enable_SMTPUTF8=True,
                decode_data=False,
                loop=self.loop,
            )

        async def listen() -> asyncio.Server:
            return await self.loop.create_server(factory, HOST, 0, reuse_address=True)

        self.server = asyncio.run_coroutine_threadsafe(listen(), self.loop).result()
        self.port = int(self.server.sockets[0].getsockname()[1])

    def raw_messages(self) -> list[bytes]:
        return list(self.handler.messages)

    def clear(self) -> None:
        self.handler.messages = []

    def close(self) -> None:
        async def shut() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def serve(name: str) -> None:
    """Run one server until stdin closes, answering `stats TAG` and `clear`."""
    handle: _ServerHandle = _Mailtrap() if name == "mailtrap" else _Aiosmtpd()
    print(f"PORT {handle.port}", flush=True)
    try:
        for line in sys.stdin:
            command, _, tag = line.strip().partition(" ")
            cpu = time.process_time()  # read first: the checks below are not the load
            if command == "stats":
                raws = handle.raw_messages()
                ids = {m.group(1) for raw in raws if (m := BENCH_ID.search(raw))}
                tagged = sum(1 for i in ids if i.decode().startswith(tag + "-"))
                print(f"STATS {cpu:.6f} {len(raws)} {tagged} {digest(raws)}", flush=True)
            elif command == "clear":
                handle.clear()
                print(f"OK {cpu:.6f}", flush=True)
            else:
                print(f"ERR unknown command {command!r}", flush=True)
    finally:
        handle.close()


def digest(raws: list[bytes]) -> str:
    """Order-independent digest of a set of messages, to check byte-exact capture."""
    h = hashlib.sha256()
    for raw in sorted(raws):
        h.update(hashlib.sha256(raw).digest())
    return h.hexdigest()


class ServerProcess:
    """The driver's side of a `--serve` subprocess."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        first = self._readline()
        if not first.startswith("PORT "):
            raise RuntimeError(f"{name} server did not start: {first!r}")
        self.port = int(first.split()[1])

    def _readline(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} server exited (code {self.proc.wait()})")
        return line.strip()

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._readline()

    def stats(self, tag: str) -> tuple[float, int, int, str]:
        """(server CPU seconds, messages held, distinct ids of round `tag`, digest)."""
        _, cpu, count, distinct, sha = self.ask(f"stats {tag}").split()
        return float(cpu), int(count), int(distinct), sha

    def clear(self) -> float:
        """Empty the server; returns its CPU seconds so far."""
        word, _, cpu = self.ask("clear").partition(" ")
        if word != "OK":
            raise RuntimeError(f"{self.name} server did not clear: {word}")
        return float(cpu)

    def close(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- the load: a minimal SMTP client --------------------------------------------

_BODY_LINE = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod {:03d}."


def make_message(bench_id: str, size: int) -> bytes:
    """A plain-text message of about `size` bytes, CRLF, ready to follow DATA.

    No line starts with a dot, so no dot-stuffing is needed; the terminating
    `.` line is included.
    """
    head = (
        "From: Bench Sender <sender@example.com>\r\n"
        "To: Bench Rcpt <rcpt@example.com>\r\n"
        f"Subject: Benchmark message {bench_id}\r\n"
        "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n"
        f"Message-ID: <{bench_id}@bench.example.com>\r\n"
        f"X-Bench-Id: {bench_id}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
    )
    lines = []
    total = len(head)
    n = 0
    while total < size:
        line = _BODY_LINE.format(n) + "\r\n"
        lines.append(line)
        total += len(line)
        n += 1
    return (head + "".join(lines) + ".\r\n").encode("ascii")


class SMTPError(Exception):
    pass


async def _reply(reader: asyncio.StreamReader, expect: int) -> None:
    while True:
        line = await reader.readline()
        if not line:
            raise SMTPError(f"connection closed, expected {expect}")
        if line[3:4] != b"-":  # the last line of a (multi-line) reply
            if int(line[:3]) != expect:
                raise SMTPError(f"expected {expect}, got {line!r}")
            return


async def _send_all(port: int, messages: list[bytes]) -> None:
    """One connection: EHLO, then MAIL/RCPT/DATA per message, then QUIT."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        await _reply(reader, 220)
        writer.write(b"EHLO bench.example.com\r\n")
        await _reply(reader, 250)
        for data in messages:
            writer.write(b"MAIL FROM:<sender@example.com>\r\n")
            await _reply(reader, 250)
            writer.write(b"RCPT TO:<rcpt@example.com>\r\n")
            await _reply(reader, 250)
            writer.write(b"DATA\r\n")
            await _reply(reader, 354)
            writer.write(data)
            await writer.drain()
            await _reply(reader, 250)
        writer.write(b"QUIT\r\n")
        await _reply(reader, 221)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _drive(port: int, batches: list[list[bytes]]) -> float:
    start = time.perf_counter()
    await asyncio.gather(*(_send_all(port, batch) for batch in batches))
    return time.perf_counter() - start


def make_batches(tag: str, messages: int, connections: int, size: int) -> list[list[bytes]]:
    """`messages` messages split over `connections`, every one with a unique id."""
    return [
        [make_message(f"{tag}-c{c}-m{i}", size) for i in range(c, messages, connections)]
        for c in range(connections)
    ]


@dataclass
class IngestResult:
    rates: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SERVERS})
    cpu_us: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SERVERS})
    ratios: list[float] = field(default_factory=list)
    cpu_ratios: list[float] = field(default_factory=list)
    message_bytes: int = 0
    handler_us: dict[str, float] = field(default_factory=dict)


def run_round(server: ServerProcess, tag: str, args: argparse.Namespace) -> tuple[float, float]:
    """One timed round against one server, then a check that it captured every
    message exactly once, byte for byte. Returns (msg/s, server CPU us per msg)."""
    batches = make_batches(tag, args.messages, args.connections, args.size)
    sent = sum(len(b) for b in batches)
    expected = digest([m[: -len(b".\r\n")] for batch in batches for m in batch])
    cpu_before = server.clear()
    elapsed = asyncio.run(_drive(server.port, batches))
    cpu_after, count, distinct, sha = server.stats(tag)
    if count != sent or distinct != sent:
        raise SystemExit(
            f"{server.name} round {tag}: sent {sent} messages, server holds {count} "
            f"({distinct} distinct of this round): capture is not exactly once"
        )
    if sha != expected:
        raise SystemExit(f"{server.name} round {tag}: captured bytes differ from those sent")
    return sent / elapsed, (cpu_after - cpu_before) / sent * 1e6


def bench_handlers(size: int, calls: int = 20000) -> dict[str, float]:
    """Microseconds per `handle_DATA` call, in-process, no sockets: what each
    server's handler adds to a message beyond aiosmtpd's protocol work."""
    from aiosmtpd.smtp import Envelope, Session

    from mailtrap_py.smtp.handler import CaptureHandler
    from mailtrap_py.store import Store

    async def per_call(handler: object, server: object) -> float:
        session = Session(asyncio.get_running_loop())
        session.peer = (HOST, 40000)
        envelope = Envelope()
        envelope.mail_from = "sender@example.com"
        envelope.rcpt_tos = ["rcpt@example.com"]
        envelope.original_content = make_message("h", size)[: -len(b".\r\n")]
        hook = handler.handle_DATA  # type: ignore[attr-defined]
        start = time.perf_counter()
        for _ in range(calls):
            await hook(server, session, envelope)
        return (time.perf_counter() - start) / calls * 1e6

    class _Server:  # the attributes CaptureHandler reads from aiosmtpd's SMTP
        implicit_tls = False

    return {
        "mailtrap": asyncio.run(per_call(CaptureHandler(Store()), _Server())),
        "aiosmtpd": asyncio.run(per_call(_KeepBytes(), _Server())),
    }


def bench_ingest(args: argparse.Namespace) -> IngestResult:
    result = IngestResult(message_bytes=len(make_message("r0-x-c0-m0", args.size)) - 3)
    servers = {name: ServerProcess(name) for name in SERVERS}
    try:
        print(
            f"ingest: {args.connections} connections, {args.messages} messages/round of "
            f"{result.message_bytes} bytes, {args.rounds} rounds per server, A B A B"
        )
        for name, server in servers.items():  # warm both up: imports, first connects
            warm = argparse.Namespace(**{**vars(args), "messages": max(args.messages // 10, 80)})
            run_round(server, f"warmup-{name}", warm)
        for r in range(args.rounds):
            rate, cpu = {}, {}
            for name in SERVERS:
                rate[name], cpu[name] = run_round(servers[name], f"r{r}-{name}", args)
                result.rates[name].append(rate[name])
                result.cpu_us[name].append(cpu[name])
            result.ratios.append(rate["mailtrap"] / rate["aiosmtpd"])
            result.cpu_ratios.append(cpu["aiosmtpd"] / cpu["mailtrap"])
            print(
                f"  round {r + 1}: mailtrap-py {rate['mailtrap']:6.0f} msg/s "
                f"({cpu['mailtrap']:4.0f} us CPU/msg)   aiosmtpd {rate['aiosmtpd']:6.0f} msg/s "
                f"({cpu['aiosmtpd']:4.0f} us CPU/msg)   ratio {result.ratios[-1]:.3f}   "
                "captured exactly once, byte-exact: ok",
                flush=True,
            )
    finally:
        for server in servers.values():
            server.close()
    result.handler_us = bench_handlers(args.size)
    return result


# -- start/stop -------------------------------------------------------------------


@dataclass
class StartStopResult:
    first_start: float
    first_stop: float
    starts: list[float]
    stops: list[float]


def bench_start_stop(runs: int) -> StartStopResult:
    from mailtrap_py.server import MailServer

    starts, stops = [], []
    for _ in range(runs + 1):
        server = MailServer()
        t0 = time.perf_counter()
        server.start()
        t1 = time.perf_counter()
        server.stop()
        t2 = time.perf_counter()
        starts.append(t1 - t0)
        stops.append(t2 - t1)
    return StartStopResult(starts[0], stops[0], starts[1:], stops[1:])


# -- per-test cost of the fixture ---------------------------------------------------

_CONFTEST = textwrap.dedent(
    """
    import json, os, time

    _records = []
    _started = []

    def pytest_runtest_logfinish(nodeid, location):
        if not _started:  # the first test pays one-time costs: start after it
            _started.append(time.perf_counter())

    def pytest_runtest_logreport(report):
        _records.append([report.nodeid, report.when, report.duration])

    def pytest_sessionfinish(session):
        ran = time.perf_counter() - _started[0]
        with open(os.environ["BENCH_DURATIONS"], "w") as f:
            json.dump({"run_phase": ran, "reports": _records}, f)
    """
)


@dataclass
class FixtureResult:
    tests: int
    wall: dict[str, float]  # median seconds of a run's test phase, by kind
    setup_teardown: dict[str, float]  # median per test in the mixed runs, by kind
    first: dict[str, float]  # median setup+teardown of each run's first test

    @property
    def wall_per_test_ms(self) -> float:
        return (self.wall["mailtrap"] - self.wall["none"]) / (self.tests - 1) * 1000

    def hook_per_test_ms(self, kind: str = "mailtrap", base: str = "none") -> float:
        return (self.setup_teardown[kind] - self.setup_teardown[base]) * 1000


def _run_pytest(folder: Path, test_file: str) -> tuple[float, dict[str, float]]:
    """A pytest run's wall time from the end of its first test to the end of the
    session (interpreter start, plugin imports, collection and the first test's
    one-time costs, all noisy, left out), and each test's setup+teardown in run
    order."""
    durations = folder / f"{test_file}.json"
    env = {**os.environ, "BENCH_DURATIONS": str(durations)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pytest {test_file} failed:\n{done.stdout}\n{done.stderr}")
    recorded = json.loads(durations.read_text())
    per_test: dict[str, float] = {}
    for nodeid, when, duration in recorded["reports"]:
        if when in ("setup", "teardown"):
            per_test[nodeid] = per_test.get(nodeid, 0.0) + duration
    return recorded["run_phase"], per_test


_KINDS = {
    # kind: test template; `noop` is a fixture that does nothing (in _FIXTURE_HEADER)
    "none": "def test_{i}_none():\n    assert True\n",
    "noop": "def test_{i}_noop(noop):\n    assert noop\n",
    "mailtrap": "def test_{i}_mailtrap(mailtrap):\n    assert mailtrap.smtp_port\n",
}
_FIXTURE_HEADER = "import pytest\n\n\n@pytest.fixture\ndef noop():\n    yield 1\n\n\n"


def bench_fixture(tests: int, repeats: int) -> FixtureResult:
    """Wall clock: pytest on N tests taking `mailtrap` vs N taking nothing.
    Per test: one file interleaving N tests of each kind (none, no-op fixture,
    `mailtrap`), so the kinds are compared at the same moment on a busy machine.
    Each of the three runs is repeated `repeats` times, interleaved."""
    walls: dict[str, list[float]] = {"none": [], "mailtrap": []}
    first: dict[str, list[float]] = {"none": [], "mailtrap": []}
    mixed: dict[str, list[float]] = {kind: [] for kind in _KINDS}
    with tempfile.TemporaryDirectory(prefix="mailtrap-bench-") as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")  # rootdir here, no project config
        (folder / "conftest.py").write_text(_CONFTEST)
        for kind in walls:
            body = "\n\n".join(_KINDS[kind].format(i=i) for i in range(tests))
            (folder / f"test_{kind}.py").write_text(body)
        body = "\n\n".join(t.format(i=i) for i in range(tests) for t in _KINDS.values())
        (folder / "test_mixed.py").write_text(_FIXTURE_HEADER + body)
        _run_pytest(folder, "test_none.py")  # warm the file cache
        for _ in range(repeats):
            for kind in walls:
                wall, times = _run_pytest(folder, f"test_{kind}.py")
                walls[kind].append(wall)
                first[kind].append(next(iter(times.values())))
            _, times = _run_pytest(folder, "test_mixed.py")
            for i, (nodeid, duration) in enumerate(times.items()):
                if i >= len(_KINDS):  # the first tests of a run pay one-time costs
                    mixed[nodeid.rpartition("_")[2]].append(duration)
    return FixtureResult(
        tests=tests,
        wall={k: statistics.median(v) for k, v in walls.items()},
        setup_teardown={k: statistics.median(v) for k, v in mixed.items()},
        first={k: statistics.median(v) for k, v in first.items()},
    )


# -- report ---------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(usable),
        "cpu": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        "mailtrap-py": metadata.version("mailtrap-py"),
        "aiosmtpd": metadata.version("aiosmtpd"),
        "load average at start": load,
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(
    info: dict[str, str],
    args: argparse.Namespace,
    ingest: IngestResult | None,
    startstop: StartStopResult | None,
    fixture: FixtureResult | None,
) -> None:
    rows: list[tuple[str, str]] = []
    if ingest:
        median_a = statistics.median(ingest.rates["mailtrap"])
        median_b = statistics.median(ingest.rates["aiosmtpd"])
        ratio = statistics.median(ingest.ratios)
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        rows += [
            (
                f"SMTP ingest, mailtrap-py ({args.connections} conn, "
                f"{ingest.message_bytes} B msgs), median",
                f"{median_a:.0f} msg/s",
            ),
            ("SMTP ingest, bare aiosmtpd, median", f"{median_b:.0f} msg/s"),
            (
                "ratio mailtrap-py / aiosmtpd, median of rounds (min-max)",
                f"{ratio:.3f} ({min(ingest.ratios):.3f}-{max(ingest.ratios):.3f})",
            ),
            (f"target ratio >= {TARGET_RATIO}", verdict),
            (
                "server CPU per message, mailtrap-py / aiosmtpd (medians)",
                f"{statistics.median(ingest.cpu_us['mailtrap']):.0f} us / "
                f"{statistics.median(ingest.cpu_us['aiosmtpd']):.0f} us",
            ),
            (
                "CPU efficiency aiosmtpd_cpu / mailtrap_cpu, median of rounds",
                f"{statistics.median(ingest.cpu_ratios):.3f}",
            ),
            (
                "handle_DATA alone, in-process, mailtrap-py / aiosmtpd",
                f"{ingest.handler_us['mailtrap']:.1f} us / {ingest.handler_us['aiosmtpd']:.2f} us",
            ),
        ]
    if startstop:
        rows += [
            ("MailServer() start, first run (makes the TLS CA)", _ms(startstop.first_start)),
            ("MailServer() stop, first run", _ms(startstop.first_stop)),
            (
                f"MailServer() start, median of {len(startstop.starts)}",
                _ms(statistics.median(startstop.starts)),
            ),
            (
                f"MailServer() stop, median of {len(startstop.stops)}",
                _ms(statistics.median(startstop.stops)),
            ),
        ]
    if fixture:
        n = fixture.tests
        rows += [
            (
                f"`mailtrap` per test, wall clock after test 1: (t_mailtrap - t_none)/{n - 1}",
                f"{fixture.wall_per_test_ms:.2f} ms",
            ),
            (
                "`mailtrap` per test, median setup+teardown minus a no-fixture test's (mixed)",
                f"{fixture.hook_per_test_ms():.3f} ms",
            ),
            (
                "  of which pytest's cost of any fixture (no-op fixture minus none)",
                f"{fixture.hook_per_test_ms('noop'):.3f} ms",
            ),
            (
                "  of which mailtrap's own work (mailtrap minus no-op fixture)",
                f"{fixture.hook_per_test_ms('mailtrap', 'noop'):.3f} ms",
            ),
            (
                "first test of a run (one-time session costs): `mailtrap` / no fixture",
                f"{_ms(fixture.first['mailtrap'])} / {_ms(fixture.first['none'])}",
            ),
        ]
    width = max(len(k) for k, _ in rows)
    print()
    print("Results")
    print("-" * (width + 20))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print("-" * (width + 20))
    print("Machine")
    for key, value in info.items():
        print(f"  {key:<22} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="messages per round")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=8, help="timed rounds per server")
    parser.add_argument("--size", type=int, default=2048, help="approximate message bytes")
    parser.add_argument("--startstop-runs", type=int, default=20, help="start/stop runs")
    parser.add_argument("--fixture-tests", type=int, default=200, help="tests per file")
    parser.add_argument("--fixture-repeats", type=int, default=2, help="pytest runs per file")
    parser.add_argument(
        "--only",
        choices=("ingest", "startstop", "fixture"),
        action="append",
        help="run only these parts (repeatable); default all",
    )
    parser.add_argument("--serve", choices=SERVERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    parts = set(args.only or ("ingest", "startstop", "fixture"))
    info = machine_info()
    ingest = bench_ingest(args) if "ingest" in parts else None
    startstop = None
    if "startstop" in parts:
        print(f"start/stop: MailServer() (SMTP + SMTPS) x {args.startstop_runs + 1}", flush=True)
        startstop = bench_start_stop(args.startstop_runs)
    fixture = None
    if "fixture" in parts:
        print(
            f"fixture: pytest on {args.fixture_tests} tests of each kind (`mailtrap`, no-op "
            f"fixture, nothing), {args.fixture_repeats} rounds",
            flush=True,
        )
        fixture = bench_fixture(args.fixture_tests, args.fixture_repeats)
    report(info, args, ingest, startstop, fixture)


if __name__ == "__main__":
    main()
