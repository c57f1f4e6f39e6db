"""POP3 RETR throughput: mailtrap-py against Dovecot's POP3 in the same run.

Run: `.venv/bin/python bench/pop3_retr.py` (or `make bench-pop3`).

Both servers hold the same `--messages` messages (about `--size` bytes each),
split over `--connections` maildrops (POP3 locks a maildrop, so parallel clients
need one each). A round logs every connection in at once, RETRs every message of
its maildrop one at a time (no pipelining), and QUITs without deleting anything.
Rounds alternate A B A B after an uncounted warm-up round per server, and the
median of the per-pair ratios A/B is reported (the machine is shared and absolute
rates drift). Every round checks what came back: each message once, byte for byte
(a digest of the unstuffed data against the seeded messages).

- A, mailtrap-py: `MailServer` (POP3 only) in a subprocess (this script with
  `--serve`), seeded straight into its store; it reports its CPU time per round.
- B, Dovecot 2.3 from Debian (`dovecot-pop3d`, installed with apt-get if missing,
  as shared/reference/dovecot.md describes) in a temporary directory, on a free
  loopback port, `passdb static nopassword=y`, seeded by writing Maildir files.

`--serve` protocol: the subprocess prints `PORT <n>`, then answers `cpu` with
`CPU <seconds>`; it stops when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from dovecot_peer import HOST, DovecotPeer

# The same message set for both servers: name -> list of raw messages per maildrop.
USER = "bench{}@example.com"
# StreamReader limit: larger than any message the benchmark sends.
READ_LIMIT = 16 * 1024 * 1024


def make_messages(count: int, size: int, connections: int) -> list[list[bytes]]:
    """`count` messages of about `size` bytes, dealt round-robin to the maildrops."""
    drops: list[list[bytes]] = [[] for _ in range(connections)]
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n"
    for n in range(count):
        head = (
            f"From: Bench <bench@example.com>\r\n"
            f"To: {USER.format(n % connections)}\r\n"
            f"Subject: message {n}\r\n"
            f"Message-ID: <{n}@bench.example.com>\r\n"
            f"X-Bench-Id: {n}\r\n"
            "\r\n"
            ".a dot-led line, stuffed on the wire\r\n"
        )
        body = filler * max(1, (size - len(head)) // len(filler))
        drops[n % connections].append((head + body).encode())
    return drops


def digest(messages: list[bytes]) -> str:
    h = hashlib.sha256()
    for raw in messages:
        h.update(raw)
    return h.hexdigest()


# -- server A: mailtrap-py, in its own process ------------------------------------------


def serve_mailtrap(count: int, size: int, connections: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mailtrap_py import MailServer, Message

    server = MailServer(smtp_port=None, smtps_port=None, pop3s_port=None).start()
    for drop, messages in enumerate(make_messages(count, size, connections)):
        for raw in messages:
            server.store.deliver(
                Message(raw, sender="bench@example.com", recipients=[USER.format(drop)])
            )
    print(f"PORT {server.pop3_port}", flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "cpu":
                print(f"CPU {time.process_time():.6f}", flush=True)
    finally:
        server.stop()


@dataclass
class MailtrapProcess:
    proc: subprocess.Popen[str]
    port: int

    @classmethod
    def start(cls, args: argparse.Namespace) -> MailtrapProcess:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", *_sizes(args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            proc.kill()
            raise SystemExit(f"mailtrap-py server did not start: {line!r}")
        return cls(proc, int(line.split()[1]))

    def cpu(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("cpu\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline().split()[1])

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _sizes(args: argparse.Namespace) -> list[str]:
    return [
        "--messages",
        str(args.messages),
        "--size",
        str(args.size),
        "--connections",
        str(args.connections),
    ]


# -- server B: Dovecot -------------------------------------------------------------------


class DovecotProcess(DovecotPeer):
    """Dovecot's POP3 server with the drops seeded (see bench/dovecot_peer.py)."""

    @classmethod
    def start(cls, drops: list[list[bytes]]) -> DovecotProcess:
        return cls("pop3", {USER.format(n): messages for n, messages in enumerate(drops)})

    def cpu(self) -> float:
        """CPU seconds of the master and of the children it has reaped (each POP3
        session is a `pop3` process that exits at QUIT). Long-lived login and auth
        processes are not counted, so this is the RETR work, slightly understated."""
        return self.master_cpu()


# -- the load client ---------------------------------------------------------------------


class ProtocolError(Exception):
    pass


async def retrieve_all(port: int, user: str, expected: int) -> tuple[int, str]:
    """Log in as `user`, RETR 1..expected one at a time, QUIT. Returns (count, digest)."""
    reader, writer = await asyncio.open_connection(HOST, port, limit=READ_LIMIT)
    h = hashlib.sha256()
    try:

        async def ok(command: bytes | None) -> bytes:
            if command is not None:
                writer.write(command + b"\r\n")
            line = await reader.readline()
            if not line.startswith(b"+OK"):
                raise ProtocolError(f"{command!r}: {line!r}")
            return line

        await ok(None)
        await ok(b"USER " + user.encode())
        await ok(b"PASS x")
        for n in range(1, expected + 1):
            await ok(b"RETR %d" % n)
            data = await reader.readuntil(b"\r\n.\r\n")
            # Undo dot-stuffing (RFC 1939 section 3) to compare with what was seeded.
            data = data[:-3]
            if data.startswith(b".."):
                data = data[1:]
            h.update(data.replace(b"\r\n..", b"\r\n."))
        await ok(b"QUIT")
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return expected, h.hexdigest()


async def one_round(port: int, drops: list[list[bytes]]) -> float:
    """Every maildrop in parallel; returns the wall time. Raises if a byte is off."""
    start = time.perf_counter()
    results = await asyncio.gather(
        *(retrieve_all(port, USER.format(i), len(msgs)) for i, msgs in enumerate(drops))
    )
    elapsed = time.perf_counter() - start
    for i, (count, got) in enumerate(results):
        if count != len(drops[i]) or got != digest(drops[i]):
            raise SystemExit(f"maildrop {i}: retrieved messages differ from those seeded")
    return elapsed


# -- the run --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    drops = make_messages(args.messages, args.size, args.connections)
    total = sum(len(d) for d in drops)
    mean_size = sum(len(m) for d in drops for m in d) / total
    print(f"seeding {total} messages of {mean_size:.0f} B on average in {len(drops)} maildrops")
    mailtrap = MailtrapProcess.start(args)
    dovecot = DovecotProcess.start(drops)
    rates: dict[str, list[float]] = {"mailtrap-py": [], "dovecot": []}
    # Server CPU per message, and the load client's (this process) per message.
    cpu: dict[str, list[float]] = {"mailtrap-py": [], "dovecot": [], "client": []}
    try:
        for name, port in (("mailtrap-py", mailtrap.port), ("dovecot", dovecot.port)):
            asyncio.run(one_round(port, drops))  # warm-up: caches, indexes, imports
            print(f"warm-up {name}: done")
        for r in range(1, args.rounds + 1):
            before, client = mailtrap.cpu(), time.process_time()
            elapsed = asyncio.run(one_round(mailtrap.port, drops))
            cpu["client"].append((time.process_time() - client) / total)
            cpu["mailtrap-py"].append((mailtrap.cpu() - before) / total)
            rates["mailtrap-py"].append(total / elapsed)
            before, client = dovecot.cpu(), time.process_time()
            elapsed = asyncio.run(one_round(dovecot.port, drops))
            cpu["client"].append((time.process_time() - client) / total)
            cpu["dovecot"].append((dovecot.cpu() - before) / total)
            rates["dovecot"].append(total / elapsed)
            print(
                f"round {r}: mailtrap-py {rates['mailtrap-py'][-1]:,.0f} msg/s, "
                f"dovecot {rates['dovecot'][-1]:,.0f} msg/s, "
                f"ratio {rates['mailtrap-py'][-1] / rates['dovecot'][-1]:.3f}"
            )
        dovecot_version = dovecot.version()
    finally:
        mailtrap.stop()
        dovecot.stop()
    ratios = [a / b for a, b in zip(rates["mailtrap-py"], rates["dovecot"], strict=True)]
    print()
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.machine()}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print(f"python {platform.python_version()}, mailtrap-py {metadata.version('mailtrap-py')}, "
          f"dovecot {dovecot_version}")  # fmt: skip
    print(f"RETR of {total} messages ({mean_size:.0f} B), {len(drops)} connections, "
          f"{args.rounds} rounds")  # fmt: skip
    for name, values in rates.items():
        print(
            f"  {name:<12} median {statistics.median(values):>9,.0f} msg/s "
            f"(min {min(values):,.0f}, max {max(values):,.0f})"
        )
    print(
        f"  ratio mailtrap-py / dovecot, median of pairs: {statistics.median(ratios):.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f})"
    )
    for name, values in cpu.items():
        what = "load client" if name == "client" else f"{name} server"
        print(f"  {what} CPU per message, median: {statistics.median(values) * 1e6:.0f} µs")
    print("  per round (mailtrap-py, dovecot):")
    for a, b in zip(rates["mailtrap-py"], rates["dovecot"], strict=True):
        print(f"    {a:,.0f}  {b:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages in all maildrops")
    parser.add_argument("--size", type=int, default=2048, help="approximate message size")
    parser.add_argument("--connections", type=int, default=4, help="maildrops, one client each")
    parser.add_argument("--rounds", type=int, default=6, help="timed rounds per server")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    if args.serve:
        serve_mailtrap(args.messages, args.size, args.connections)
    else:
        run(args)


if __name__ == "__main__":
    main()
