"""IMAP FETCH and SEARCH over one big folder: mailtrap-py, Dovecot and pymap.

Run: `.venv/bin/python bench/imap_fetch.py` (or `make bench-imap`).

Every server holds the same `--messages` seeded messages (about 2 KB each; a
quarter multipart/alternative, an eighth multipart/mixed with an attachment) in
one user's INBOX. One imaplib connection per server, logged in and EXAMINEd once,
times four commands that each touch every message:

- `FETCH 1:* (BODY.PEEK[HEADER])`
- `FETCH 1:* (BODY.PEEK[])`
- `FETCH 1:* (ENVELOPE BODYSTRUCTURE)`
- `UID SEARCH HEADER Subject <word>` (the word is in 1 subject in 100)

and reports messages per second for each (for SEARCH, messages searched per
second). After an uncounted warm-up round per server (Dovecot builds its index
and cache then), rounds alternate A B C A B C, and the median of the per-round
ratios mailtrap-py / peer is reported: the machine is shared and absolute rates
drift. Every round checks the answers: each header and each message byte for
byte (order-free digests against the seeded messages), one ENVELOPE and one
BODYSTRUCTURE per message, and the exact SEARCH hits.

- mailtrap-py: `MailServer` (IMAP only) in a subprocess (this script with
  `--serve`), its store seeded in that process; the load client runs here, so the
  two do not share a GIL.
- Dovecot 2.3 from Debian (`dovecot-imapd`, installed with apt-get if missing) in a
  temporary directory on a free loopback port, `passdb static nopassword=y`,
  seeded by writing Maildir files.
- mail-devel 0.18 (aiosmtpd + pymap) from PyPI, installed with pip into a
  temporary venv (`--pymap-venv DIR` keeps and reuses one), run as
  `mail_devel --multi-user`, seeded over IMAP with MULTIAPPEND and LITERAL+.

Server CPU time is read from /proc for each server's process tree, so a row also
shows server CPU per message (and the load client's, this process's).

With the defaults a run takes 5 to 8 minutes on 2 cores, most of it pymap's
(installing it, loading it, and its ENVELOPE BODYSTRUCTURE at ~500 messages/s);
`--servers mailtrap-py,dovecot` leaves it out, `--messages` and `--rounds` scale.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import hashlib
import imaplib
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from dovecot_peer import HOST, DovecotPeer, free_port, wait_listening

USER = "bench@example.com"
PASSWORD = "secret"
SEARCH_WORD = "zephyr"  # in the Subject of messages 7, 107, 207, ...
SERVERS = ("mailtrap-py", "dovecot", "pymap")

WORDS = tuple(
    [
        "invoice",
        "order",
        "shipping",
        "account",
        "update",
        "report",
        "meeting",
        "agenda",
        "review",
        "release",
        "weekly",
        "monthly",
        "summary",
        "notice",
        "reminder",
        "welcome",
        "password",
        "receipt",
        "travel",
        "booking",
        "project",
        "draft",
        "final",
        "budget",
        "team",
        "lunch",
        "schedule",
        "support",
        "ticket",
        "status",
    ]
)
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n"


# -- the messages ---------------------------------------------------------------------------


def make_messages(count: int, seed: int) -> list[bytes]:
    """`count` messages of about 2 KB, CRLF line ends, the same for a seed."""
    rng = random.Random(seed)
    messages = []
    for n in range(count):
        words = rng.sample(WORDS, 3)
        if n % 100 == 7:
            words[1] = SEARCH_WORD
        head = (
            f"Return-Path: <sender{n % 97}@example.com>\r\n"
            f"From: Sender {n % 97} <sender{n % 97}@example.com>\r\n"
            f"To: Bench <{USER}>\r\n"
            + (f"Cc: Team <team{n % 13}@example.org>\r\n" if n % 3 == 0 else "")
            + f"Subject: #{n} {' '.join(words)}\r\n"
            f"Date: {datetime.datetime(2026, 1, 1) + datetime.timedelta(minutes=n):%a, %d %b %Y %H:%M:%S} +0000\r\n"  # noqa: E501
            f"Message-ID: <{n}.{seed}@bench.example.com>\r\n"
            "MIME-Version: 1.0\r\n"
        )
        text = "".join(FILLER for _ in range(rng.randint(17, 23)))
        if n % 4 == 0:
            boundary = f"=_alt_{n}_{rng.randrange(10**9)}"
            html = "<p>" + text[: len(text) // 2].replace("\r\n", "</p>\r\n<p>") + "</p>\r\n"
            body = (
                f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
                f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                f"{text[: len(text) // 2]}"
                f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}"
                f"--{boundary}--\r\n"
            )
        elif n % 8 == 1:
            boundary = f"=_mix_{n}_{rng.randrange(10**9)}"
            blob = base64.encodebytes(rng.randbytes(300)).decode().replace("\n", "\r\n")
            body = (
                f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
                f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                f"{text[: len(text) * 2 // 3]}"
                f"--{boundary}\r\nContent-Type: application/octet-stream; "
                f'name="data{n}.bin"\r\nContent-Disposition: attachment; '
                f'filename="data{n}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
                f"{blob}--{boundary}--\r\n"
            )
        else:
            body = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"
        raw = (head + body).encode()
        messages.append(raw)
    return messages


def order_free_digest(parts: list[bytes]) -> str:
    return hashlib.sha256(b"".join(sorted(hashlib.sha256(p).digest() for p in parts))).hexdigest()


@dataclass
class Expected:
    count: int
    headers: str
    bodies: str
    hits: int

    @classmethod
    def of(cls, messages: list[bytes]) -> Expected:
        return cls(
            count=len(messages),
            headers=order_free_digest([m[: m.index(b"\r\n\r\n") + 4] for m in messages]),
            bodies=order_free_digest(messages),
            hits=sum(SEARCH_WORD.encode() in m[: m.index(b"\r\n\r\n")] for m in messages),
        )


# -- CPU of a process tree ----------------------------------------------------------------


def tree_cpu(root: int) -> float:
    """CPU seconds of `root`, its live descendants and the children it has reaped."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            stats[int(entry)] = fields
            parents[int(entry)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    ticks = 0
    for pid in tree:
        fields = stats.get(pid)
        if fields:
            # utime, stime (and cutime, cstime): fields 14-17 of proc(5), 11-14 after ")".
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


# -- server A: mailtrap-py, in its own process ----------------------------------------------


def serve_mailtrap(count: int, seed: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mailtrap_py import MailServer, Message

    server = MailServer(
        smtp_port=None,
        smtps_port=None,
        http_port=None,
        pop3_port=None,
        pop3s_port=None,
        imap_port=0,
        imaps_port=None,
    ).start()
    for raw in make_messages(count, seed):
        server.store.deliver(Message(raw, sender="bench@example.com", recipients=[USER]))
    print(f"PORT {server.imap_port}", flush=True)
    try:
        for _ in sys.stdin:
            pass
    finally:
        server.stop()


class Server:
    name: str
    port: int
    pid: int

    def cpu(self) -> float:
        return tree_cpu(self.pid)

    def version(self) -> str:
        return "?"

    def stop(self) -> None:
        raise NotImplementedError


class MailtrapServer(Server):
    name = "mailtrap-py"

    def __init__(self, args: argparse.Namespace) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--messages", str(args.messages),
             "--seed", str(args.seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise SystemExit(
                f"mailtrap-py's IMAP server did not start: {line!r} (is it there yet? "
                "--servers dovecot,pymap runs the peers alone)"
            )
        self.port = int(line.split()[1])
        self.pid = self.proc.pid

    def version(self) -> str:
        return metadata.version("mailtrap-py")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# -- server B: Dovecot ------------------------------------------------------------------------


class DovecotServer(Server):
    name = "dovecot"

    def __init__(self, messages: list[bytes]) -> None:
        self.peer = DovecotPeer("imap", {USER: messages})
        self.port, self.pid = self.peer.port, self.peer.pid

    def log(self) -> str:
        return self.peer.log()

    def version(self) -> str:
        return self.peer.version()

    def stop(self) -> None:
        self.peer.stop()


# -- server C: mail-devel (pymap) ------------------------------------------------------------


class PymapServer(Server):
    name = "pymap"

    def __init__(self, messages: list[bytes], venv: str | None) -> None:
        self.own_venv = venv is None
        self.venv = Path(venv or tempfile.mkdtemp(prefix="mailtrap-bench-pymap-"))
        binary = self.venv / "bin" / "mail_devel"
        if not binary.exists():
            print(f"installing mail-devel with pip into {self.venv} ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
            subprocess.run(
                [str(self.venv / "bin" / "python"), "-m", "pip", "install", "-q", "mail-devel"],
                check=True,
            )
        self.port = free_port()
        self.logfile = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            prefix="mailtrap-bench-pymap-", suffix=".log"
        )
        self.proc = subprocess.Popen(
            [str(binary), "--host", HOST, "--smtp-port", str(free_port()),
             "--imap-port", str(self.port), "--http-port", str(free_port()),
             "--multi-user", "--password", PASSWORD],
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.pid = self.proc.pid
        try:
            wait_listening(self.port, "mail_devel", self.log)
            self.load(messages)
        except BaseException:
            self.stop()
            raise

    def load(self, messages: list[bytes], batch: int = 500) -> None:
        """MULTIAPPEND (RFC 3502) with LITERAL+ literals: one round trip per batch
        (imaplib's APPEND waits for each continuation, about 40 ms a message here)."""
        with socket.create_connection((HOST, self.port), 30) as sock:
            reader = sock.makefile("rb")
            reader.readline()
            sock.sendall(f"a LOGIN {USER} {PASSWORD}\r\n".encode())
            self._expect_ok(reader, b"a")
            for start in range(0, len(messages), batch):
                tag = f"b{start}".encode()
                command = [tag + b" APPEND INBOX"]
                for raw in messages[start : start + batch]:
                    command.append(b" {%d+}\r\n" % len(raw) + raw)
                sock.sendall(b"".join(command) + b"\r\n")
                self._expect_ok(reader, tag)
            sock.sendall(b"z LOGOUT\r\n")

    @staticmethod
    def _expect_ok(reader, tag: bytes) -> None:
        while True:
            line = reader.readline()
            if not line:
                raise SystemExit("pymap closed the connection while loading")
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SystemExit(f"pymap refused a load command: {line!r}")
                return

    def log(self) -> str:
        return Path(self.logfile.name).read_text(errors="replace")[-4000:]

    def version(self) -> str:
        python = self.venv / "bin" / "python"
        out = subprocess.run(
            [str(python), "-c", "from importlib.metadata import version as v;"
             "print('mail-devel', v('mail-devel'), '+ pymap', v('pymap'))"],
            capture_output=True,
            text=True,
        )  # fmt: skip
        return out.stdout.strip()

    def stop(self) -> None:
        # mail_devel stops on Ctrl-C; SIGTERM leaves it running.
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logfile.close()
        if self.own_venv:
            shutil.rmtree(self.venv, ignore_errors=True)


# -- the load client ---------------------------------------------------------------------------

OPS = ("HEADER", "BODY[]", "ENVELOPE BODYSTRUCTURE", "SEARCH")
LABELS = {
    "HEADER": "FETCH 1:* (BODY.PEEK[HEADER])",
    "BODY[]": "FETCH 1:* (BODY.PEEK[])",
    "ENVELOPE BODYSTRUCTURE": "FETCH 1:* (ENVELOPE BODYSTRUCTURE)",
    "SEARCH": f"UID SEARCH HEADER Subject {SEARCH_WORD}",
}
RESPONSE = re.compile(rb"\d+ \(")


class Client:
    """One imaplib connection, logged in, INBOX examined (read-only)."""

    def __init__(self, port: int) -> None:
        self.imap = imaplib.IMAP4(HOST, port, timeout=600)
        self.imap.login(USER, PASSWORD)
        status, data = self.imap.select("INBOX", readonly=True)
        if status != "OK":
            raise SystemExit(f"EXAMINE INBOX: {status} {data}")
        self.exists = int(data[0])

    def command(self, op: str) -> tuple[str, list]:
        """One command, timed by the caller; the answer is checked afterwards."""
        if op == "SEARCH":
            return self.imap.uid("SEARCH", "HEADER", "Subject", SEARCH_WORD)
        item = {"HEADER": "(BODY.PEEK[HEADER])", "BODY[]": "(BODY.PEEK[])"}.get(op, f"({op})")
        return self.imap.fetch("1:*", item)

    @staticmethod
    def check(op: str, status: str, data: list, expected: Expected) -> str | None:
        """What was wrong with an answer, or None."""
        if status != "OK":
            return f"{status} {data!r:.200}"
        if op == "SEARCH":
            hits = len(data[0].split())
            return None if hits == expected.hits else f"{hits} hits, not {expected.hits}"
        if op == "ENVELOPE BODYSTRUCTURE":
            joined = b"".join(b"".join(d) if isinstance(d, tuple) else d for d in data)
            found = (joined.count(b"ENVELOPE ("), joined.count(b"BODYSTRUCTURE ("))
            count = sum(1 for d in data if RESPONSE.match(d[0] if isinstance(d, tuple) else d))
            if count != expected.count or found != (expected.count, expected.count):
                return f"{count} responses, ENVELOPE/BODYSTRUCTURE {found}"
            return None
        literals = [d[1] for d in data if isinstance(d, tuple)]
        if len(literals) != expected.count:
            return f"{len(literals)} literals, not {expected.count}"
        want = expected.headers if op == "HEADER" else expected.bodies
        if order_free_digest(literals) != want:
            return "the bytes differ from the seeded messages"
        return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.imap.logout()


@dataclass
class Sample:
    rate: float  # messages per second
    server_cpu: float  # seconds per message
    client_cpu: float


def measure(server: Server, client: Client, expected: Expected, problems: dict) -> dict:
    samples = {}
    for op in OPS:
        cpu0, client0, start = server.cpu(), time.process_time(), time.perf_counter()
        status, data = client.command(op)
        elapsed = time.perf_counter() - start
        client_cpu = time.process_time() - client0
        server_cpu = server.cpu() - cpu0
        problem = client.check(op, status, data, expected)
        if problem:
            problems.setdefault((server.name, op), problem)
        n = expected.count
        samples[op] = Sample(n / elapsed, server_cpu / n, client_cpu / n)
    return samples


# -- the run -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    names = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(names) - set(SERVERS)
    if unknown:
        raise SystemExit(f"unknown servers: {sorted(unknown)}; choose from {SERVERS}")
    messages = make_messages(args.messages, args.seed)
    expected = Expected.of(messages)
    mean = sum(map(len, messages)) / len(messages)
    multipart = sum(b"multipart/" in m for m in messages)
    print(
        f"{len(messages)} messages of {mean:.0f} B on average ({multipart} multipart), "
        f"{expected.hits} with '{SEARCH_WORD}' in the Subject"
    )
    servers: dict[str, Server] = {}
    clients: dict[str, Client] = {}
    results: dict[str, dict[str, list[Sample]]] = {n: {op: [] for op in OPS} for n in names}
    problems: dict[tuple[str, str], str] = {}
    versions: dict[str, str] = {}
    try:
        for name in names:
            start = time.perf_counter()
            if name == "mailtrap-py":
                servers[name] = MailtrapServer(args)
            elif name == "dovecot":
                servers[name] = DovecotServer(messages)
            else:
                servers[name] = PymapServer(messages, args.pymap_venv)
            clients[name] = Client(servers[name].port)
            if clients[name].exists != len(messages):
                raise SystemExit(
                    f"{name} holds {clients[name].exists} messages, not {len(messages)}"
                )
            measure(servers[name], clients[name], expected, problems)  # warm-up
            print(f"{name}: loaded and warmed up in {time.perf_counter() - start:.1f} s")
            versions[name] = servers[name].version()
        for r in range(1, args.rounds + 1):
            line = []
            for name in names:
                samples = measure(servers[name], clients[name], expected, problems)
                for op, sample in samples.items():
                    results[name][op].append(sample)
                line.append(f"{name} " + " / ".join(f"{s.rate:,.0f}" for s in samples.values()))
            print(f"round {r} (msg/s per command): " + "; ".join(line))
    finally:
        for client in clients.values():
            client.close()
        for server in servers.values():
            server.stop()
    report(args, names, results, problems, versions, len(messages), mean)


def report(args, names, results, problems, versions, total, mean) -> None:
    print()
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.machine()}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print(
        f"python {platform.python_version()}; " + "; ".join(f"{n} {v}" for n, v in versions.items())
    )
    print(f"{total} messages ({mean:.0f} B), one imaplib connection each, {args.rounds} rounds")
    print("median messages per second (min-max); CPU µs per message: server, load client")
    width = max(len(label) for label in LABELS.values())
    for op in OPS:
        cells = []
        for name in names:
            rates = [s.rate for s in results[name][op]]
            cpu = statistics.median(s.server_cpu for s in results[name][op]) * 1e6
            own = statistics.median(s.client_cpu for s in results[name][op]) * 1e6
            cells.append(
                f"{name} {statistics.median(rates):>9,.0f} ({min(rates):,.0f}-{max(rates):,.0f})"
                f" {cpu:,.0f}/{own:,.0f} µs"
            )
        print(f"  {LABELS[op]:<{width}}  " + " | ".join(cells))
    if "mailtrap-py" in names and len(names) > 1:
        print("ratios mailtrap-py / peer, median of the per-round pairs (min-max):")
        for op in OPS:
            cells = []
            for peer in names:
                if peer == "mailtrap-py":
                    continue
                pairs = [
                    a.rate / b.rate
                    for a, b in zip(results["mailtrap-py"][op], results[peer][op], strict=True)
                ]
                cells.append(
                    f"/{peer} {statistics.median(pairs):.3f} ({min(pairs):.3f}-{max(pairs):.3f})"
                )
            print(f"  {LABELS[op]:<{width}}  " + "  ".join(cells))
    if problems:
        print("ANSWERS THAT FAILED THE CHECK (their rates mean little):")
        for (name, op), problem in sorted(problems.items()):
            print(f"  {name} {LABELS[op]}: {problem}")
    else:
        print("every answer checked: all headers and messages byte for byte, ENVELOPE, "
              "BODYSTRUCTURE and SEARCH hits")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages in the folder")
    parser.add_argument("--rounds", type=int, default=4, help="timed rounds per server")
    parser.add_argument("--seed", type=int, default=1, help="seed of the messages")
    parser.add_argument(
        "--servers", default=",".join(SERVERS), help="comma-separated, from " + ",".join(SERVERS)
    )
    parser.add_argument(
        "--pymap-venv", help="a venv with mail-devel to reuse (made and kept if missing)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    if args.serve:
        serve_mailtrap(args.messages, args.seed)
    else:
        run(args)


if __name__ == "__main__":
    main()
