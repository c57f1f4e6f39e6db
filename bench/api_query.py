"""HTTP API list/search/get latency and memory per stored message, at 100,000 messages.

Run: `.venv/bin/python bench/api_query.py` (`--help` for options).

- **Server.** A subprocess (this script re-run with `--serve`) starts
  `MailServer(smtp_port=None, smtps_port=None)`: the HTTP API alone, served by
  uvicorn on the server's loop thread, as in every other `MailServer`. It fills the
  store directly, with no SMTP: it builds a few hundred realistic messages with
  `MessageFactory` (plain, alternative, international, inline image; no attachments:
  small messages), then makes each stored message from one of them with its own To,
  Subject, Date and Message-ID header lines, and its own `bytes` object, so no two
  messages share their raw bytes. Each goes through `Message(...)` and
  `store.deliver()`, the same path an SMTP capture takes. The envelope sender is the
  From address, the one envelope recipient is the To address; there are
  `--recipients` (1,000) distinct recipients, so each address has N/1,000 messages.
  One subject in 100 holds the word `invoice`, which no other subject holds.
- **Client.** This process, with one keep-alive `httpx.Client`, one request at a time.
  A server in this process would share the GIL with the client; a subprocess keeps
  the two apart (the machine has 2 cores).
- **Requests.** Per row, one first request, timed on its own (for a search it is cold:
  nothing has read the messages' headers yet, and the first search reads them all),
  then `--requests` (200) timed ones. Rows, in this order: list the first page
  (`limit=50`), search `subject:invoice` (the first search of the run), search
  `to:ADDRESS` (a different address each request), get one message by id (a different
  message each request, so each is parsed for the first time, as when a user opens
  it), and get the same message again (parsed already). Each request's time is from
  the call to the whole body read. The server's CPU time per request comes from the
  subprocess's own `time.process_time()` around the row. Every answer is checked:
  status 200, and the search totals are what the fill put in.
- **Memory.** The server process's resident set size (`/proc/self/statm`) after
  `gc.collect()`: before the fill, after it, and after the first subject search,
  which builds every message's header summary. Overhead per message = (RSS after -
  RSS before) / N - mean raw size. The peak (`VmHWM`) is reported too. With
  `--tracemalloc`, the server also traces Python allocations and the overhead is
  given from `tracemalloc` as well (the allocations Python made, without allocator
  slack), with the lines that allocated most; latencies are then slower and only
  the memory numbers count.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

# Targets from issue 5.
TARGET_P50_MS = 20.0
TARGET_OVERHEAD_BYTES = 1.5 * 1024

SUBJECT_WORD = "invoice"  # not in Faker's en_US lorem word list, so only where put
SUBJECT_SHARE = 100  # one subject in this many holds SUBJECT_WORD
PAGE = 50

# Message kinds and weights: `MessageFactory.any()` without attachments.
KINDS = ("plain", "alternative", "alternative", "international", "with_inline_image")
REPLACED = (b"to", b"subject", b"date", b"message-id")


# -- the server subprocess -------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _memory() -> dict[str, int]:
    import tracemalloc

    gc.collect()
    found = {"rss": _rss(), "hwm": _hwm()}
    if tracemalloc.is_tracing():
        found["traced"], found["traced_peak"] = tracemalloc.get_traced_memory()
    return found


class Templates:
    """Message templates: the header lines that vary per message are cut out."""

    def __init__(self, count: int, recipients: int, seed: int) -> None:
        from email.utils import formataddr

        from mailtrap_py.factories import MessageFactory

        factory = MessageFactory(seed, domain="example.com")
        rng = random.Random(seed)
        self.heads: list[bytes] = []  # the From field, then nothing more
        self.tails: list[bytes] = []  # the other header fields, blank line, body
        self.senders: list[bytes] = []
        for _ in range(count):
            msg = getattr(factory, rng.choice(KINDS))()
            raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
            head, tail, sender = _split(raw)
            self.heads.append(head)
            self.tails.append(tail)
            self.senders.append(sender)
        # Recipients: distinct people at a few company domains.
        domains = ["example.com", "example.org", "corp.example", "mail.example.net"]
        seen: set[str] = set()
        self.addresses: list[str] = []
        self.to_fields: list[bytes] = []
        while len(self.addresses) < recipients:
            first, last = factory.fake.first_name(), factory.fake.last_name()
            addr = f"{first}.{last}@{rng.choice(domains)}".lower()
            if addr in seen:
                continue
            seen.add(addr)
            self.addresses.append(addr)
            self.to_fields.append(formataddr((f"{first} {last}", addr)).encode())
        words = factory.fake.sentence
        self.subjects = [words(nb_words=rng.randint(3, 8)).rstrip(".") for _ in range(997)]
        assert not any(SUBJECT_WORD in s.lower() for s in self.subjects)
        self.rng = rng

    def subject(self, index: int) -> bytes:
        subject = self.subjects[index % len(self.subjects)]
        if index % SUBJECT_SHARE == SUBJECT_SHARE // 2:
            words = subject.split()
            words.insert(self.rng.randrange(len(words) + 1), SUBJECT_WORD)
            subject = " ".join(words)
        return subject.encode()


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(From field, rest without To/Subject/Date/Message-ID, From address)."""
    end = raw.index(b"\r\n\r\n") + 2
    fields: list[bytes] = []
    for line in raw[:end].split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    keep = [f for f in fields if f.split(b":", 1)[0].lower() not in REPLACED]
    (from_field,) = [f for f in keep if f.lower().startswith(b"from:")]
    keep.remove(from_field)
    found = re.search(rb"<([^>]+)>", from_field)
    assert found is not None
    tail = b"".join(f + b"\r\n" for f in keep) + raw[end:]
    return from_field + b"\r\n", tail, found.group(1)


def fill(store: object, count: int, templates: Templates) -> tuple[int, str, str]:
    """Deliver `count` messages; returns (total raw octets, first id, last id)."""
    from email.utils import format_datetime

    from mailtrap_py.message import Message

    deliver = store.deliver  # type: ignore[attr-defined]
    rng = templates.rng
    start = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    n_templates, n_recipients = len(templates.heads), len(templates.addresses)
    total = 0
    first = last = ""
    for index in range(count):
        t = rng.randrange(n_templates)
        r = index % n_recipients
        date = format_datetime(start + datetime.timedelta(seconds=index * 7)).encode()
        raw = b"".join(
            (
                templates.heads[t],
                b"To: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%x.%d@bench.example>\r\n"
                % (templates.to_fields[r], templates.subject(index), date, index, t),
                templates.tails[t],
            )
        )
        total += len(raw)
        # Fresh strings per message, as SMTP parsing makes them.
        message = Message(
            raw,
            sender=templates.senders[t].decode(),
            recipients=(templates.to_fields[r].rpartition(b"<")[2][:-1].decode(),),
            peer=f"127.0.0.1:{40000 + index % 20000}",
        )
        deliver(message)
        if index == 0:
            first = message.id
        last = message.id
    return total, first, last


def serve(args: argparse.Namespace) -> None:
    import tracemalloc

    from mailtrap_py.server import MailServer

    server = MailServer(smtp_port=None, smtps_port=None).start()
    try:
        t0 = time.perf_counter()
        templates = Templates(args.templates, args.recipients, args.seed)
        t_templates = time.perf_counter() - t0
        if args.tracemalloc:
            tracemalloc.start()
        before = _memory()
        t0 = time.perf_counter()
        raw_total, first_id, last_id = fill(server.store, args.messages, templates)
        t_fill = time.perf_counter() - t0
        snapshot = tracemalloc.take_snapshot() if args.tracemalloc else None
        after = _memory()
        import mailtrap_py

        info = {
            "url": server.api_url,
            "package": str(Path(mailtrap_py.__file__).parent),
            "messages": len(server.store),
            "raw_total": raw_total,
            "first_id": first_id,
            "last_id": last_id,
            "addresses": templates.addresses,
            "templates_seconds": t_templates,
            "fill_seconds": t_fill,
            "before": before,
            "after": after,
        }
        print("READY " + json.dumps(info), flush=True)
        for line in sys.stdin:
            command = line.strip()
            cpu = time.process_time()
            if command == "cpu":
                print(f"CPU {cpu:.6f}", flush=True)
            elif command == "mem":
                print("MEM " + json.dumps(_memory()), flush=True)
            elif command == "top":
                lines: list[str] = []
                if args.tracemalloc:
                    assert snapshot is not None
                    now = tracemalloc.take_snapshot()
                    for stat in now.compare_to(snapshot, "lineno")[:12]:
                        lines.append(f"{stat.size_diff:>12,} B  {stat.count_diff:>9,}  {stat}")
                    lines.append("-- allocated during the fill:")
                    base = _filter(snapshot)
                    for stat in base.statistics("lineno")[:12]:
                        lines.append(f"{stat.size:>12,} B  {stat.count:>9,}  {stat}")
                print("TOP " + json.dumps(lines), flush=True)
            else:
                print(f"ERR unknown command {command!r}", flush=True)
    finally:
        server.stop()


def _filter(snapshot: object) -> object:
    import tracemalloc

    assert isinstance(snapshot, tracemalloc.Snapshot)
    return snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])


# -- the client --------------------------------------------------------------


class ServerProcess:
    """One `--serve` subprocess; `path` goes first on its PYTHONPATH (for --compare)."""

    def __init__(self, args: argparse.Namespace, label: str, path: str | None) -> None:
        self.label = label
        self.path = path
        command = [sys.executable, __file__, "--serve"]
        for option in ("messages", "recipients", "templates", "seed"):
            command += [f"--{option}", str(getattr(args, option))]
        if args.tracemalloc:
            command.append("--tracemalloc")
        env = dict(os.environ)
        if path:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [path, env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, env=env
        )
        self.info = json.loads(self._expect("READY"))
        self.memory: dict[str, dict[str, int]] = {
            "before": self.info["before"],
            "after": self.info["after"],
        }
        self.top: list[str] = []

    def _expect(self, tag: str) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith(tag + " "):
            self.close()
            raise RuntimeError(f"server subprocess said {line!r}, expected {tag}")
        return line[len(tag) + 1 :]

    def ask(self, command: str, tag: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._expect(tag)

    def cpu(self) -> float:
        return float(self.ask("cpu", "CPU"))

    def remember_memory(self, when: str) -> None:
        self.memory[when] = json.loads(self.ask("mem", "MEM"))

    def message_id(self, offset: int) -> str:
        """The id of the message stored `offset`-th (ids are the arrival counter)."""
        return f"{int(self.info['first_id'], 16) + offset:08x}"

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Row:
    def __init__(self, name: str, server: str) -> None:
        self.name = name
        self.server = server
        self.first_ms = 0.0
        self.times_ms: list[float] = []
        self.cpu_ms = 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.times_ms)
        # Nearest rank: with 200 samples, p99 is the 198th.
        rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]


Check = Callable[[dict[str, Any]], None]


class Bench:
    """The servers, one keep-alive client each, and the rows measured so far."""

    def __init__(self, servers: list[ServerProcess]) -> None:
        import httpx

        self.servers = servers
        self.clients = [httpx.Client(base_url=s.info["url"], timeout=3600) for s in servers]
        self.rows: list[Row] = []

    def get(self, k: int, path: str, check: Check) -> float:
        t0 = time.perf_counter()
        response = self.clients[k].get(path)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code} {response.text[:500]}")
        check(response.json())
        return elapsed

    def first(self, name: str, path_of: Callable[[int], str], check: Check) -> list[Row]:
        """One request per server, one server after the other; a new row each."""
        rows = [Row(name, s.label) for s in self.servers]
        for k, row in enumerate(rows):
            row.first_ms = self.get(k, path_of(k), check)
        self.rows += rows
        return rows

    def timed(
        self, rows: list[Row], paths_of: Callable[[int, int], str], n: int, check: Check
    ) -> None:
        """`n` requests per server, alternating between the servers (A B A B)."""
        cpu0 = [s.cpu() for s in self.servers]
        for i in range(n):
            for k, row in enumerate(rows):
                row.times_ms.append(self.get(k, paths_of(k, i), check))
        for k, row in enumerate(rows):
            row.cpu_ms = (self.servers[k].cpu() - cpu0[k]) * 1000 / n

    def close(self) -> None:
        for client in self.clients:
            client.close()


def machine() -> dict[str, str]:
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("fastapi", "uvicorn", "pydantic", "httpx")
    )
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "packages": versions,
        "load": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }


def run(args: argparse.Namespace) -> int:
    info = machine()
    paths = [None, args.compare] if args.compare else [None]
    labels = ["A", "B"] if args.compare else ["A"]
    servers: list[ServerProcess] = []
    try:
        for label, path in zip(labels, paths, strict=True):
            where = f" (mailtrap_py from {path})" if path else ""
            print(f"server {label}{where}: storing {args.messages:,} messages ...", flush=True)
            t0 = time.perf_counter()
            server = ServerProcess(args, label, path)
            servers.append(server)
            s = server.info
            assert s["messages"] == args.messages, (s["messages"], args.messages)
            print(
                f"  stored in {time.perf_counter() - t0:.1f} s (templates "
                f"{s['templates_seconds']:.1f} s, fill {s['fill_seconds']:.1f} s)",
                flush=True,
            )
        bench = Bench(servers)
        try:
            measure_all(args, bench)
        finally:
            bench.close()
        if args.tracemalloc:
            for server in servers:
                server.top = json.loads(server.ask("top", "TOP"))
    finally:
        for server in servers:
            server.close()
    info["load"] += " -> {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    report(args, info, servers, bench.rows)
    return 0


def measure_all(args: argparse.Namespace, bench: Bench) -> None:
    s = bench.servers[0].info
    n, k = s["messages"], args.requests
    addresses: list[str] = s["addresses"]
    per_address = n // len(addresses)
    want_subject = sum(1 for i in range(n) if i % SUBJECT_SHARE == SUBJECT_SHARE // 2)
    rng = random.Random(args.seed + 1)
    api = "/api/v1/messages"

    def page(body: dict[str, Any]) -> None:
        assert body["total"] == n and body["count"] == PAGE, body["total"]

    def by_subject(body: dict[str, Any]) -> None:
        assert body["total"] == want_subject, (body["total"], want_subject)

    def by_to(body: dict[str, Any]) -> None:
        assert body["total"] == per_address, (body["total"], per_address)

    def one(body: dict[str, Any]) -> None:
        assert body["id"] and body["subject"]

    def step(name: str) -> None:
        print(f"  {name}: done", flush=True)

    listing = f"{api}?limit={PAGE}"
    rows = bench.first("list first page", lambda _k: listing, page)
    bench.timed(rows, lambda _k, _i: listing, k, page)
    step("list first page")

    # The first search of the run reads every message's header summary: cold. Memory
    # is read right after it, on each server, before anything else runs.
    subject = f"{api}?limit={PAGE}&query=subject:{SUBJECT_WORD}"
    rows = []
    for j, server in enumerate(bench.servers):
        row = Row("search subject:", server.label)
        row.first_ms = bench.get(j, subject, by_subject)
        server.remember_memory("searched")
        rows.append(row)
    bench.rows += rows
    bench.timed(rows, lambda _k, _i: subject, k, by_subject)
    step("search subject:")

    picked = [addresses[i % len(addresses)] for i in rng.sample(range(10 * len(addresses)), k + 1)]
    rows = bench.first("search to:", lambda _k: f"{api}?limit={PAGE}&query=to:{picked[0]}", by_to)
    bench.timed(rows, lambda _k, i: f"{api}?limit={PAGE}&query=to:{picked[i + 1]}", k, by_to)
    step("search to:")

    # A different message each time, parsed for the first time, as a user opening it.
    offsets = rng.sample(range(n), k + 1)
    servers = bench.servers
    rows = bench.first("get one", lambda j: f"{api}/{servers[j].message_id(offsets[0])}", one)
    bench.timed(rows, lambda j, i: f"{api}/{servers[j].message_id(offsets[i + 1])}", k, one)
    again = [f"{api}/{servers[j].message_id(offsets[0])}" for j in range(len(servers))]
    rows = bench.first("get one again", lambda j: again[j], one)
    bench.timed(rows, lambda j, _i: again[j], k, one)
    step("get one")
    for server in servers:
        server.remember_memory("end")


def report(
    args: argparse.Namespace, info: dict[str, str], servers: list[ServerProcess], rows: list[Row]
) -> None:
    s = servers[0].info
    n, raw_total = s["messages"], s["raw_total"]
    print()
    print(f"mailtrap-py HTTP API, {n:,} stored messages ({args.recipients:,} recipients)")
    for key, value in info.items():
        print(f"  {key:9} {value}")
    print(f"  messages  mean raw size {raw_total / n:,.0f} B; server subprocesses; client httpx")
    for server in servers:
        print(f"  server {server.label}  mailtrap_py from {server.info['package']}")
    if args.tracemalloc:
        print("  (tracemalloc on in the server: latencies are inflated; read memory only)")
    print()
    head = (
        f"| {'request':<16} | server | {'first ms':>9} | {'p50 ms':>7} | {'p90 ms':>7} | "
        f"{'p99 ms':>7} | {'max ms':>7} | {'server CPU ms/req':>17} | target p50 |"
    )
    print(head)
    print("|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|")
    targets = {"list first page", "search subject:", "search to:"}
    for row in rows:
        verdict = ""
        if row.name in targets:
            verdict = "met" if row.pct(50) < TARGET_P50_MS else "MISSED"
        print(
            f"| {row.name:<16} | {row.server:^6} | {row.first_ms:>9.1f} | {row.pct(50):>7.2f} | "
            f"{row.pct(90):>7.2f} | {row.pct(99):>7.2f} | {max(row.times_ms):>7.2f} | "
            f"{row.cpu_ms:>17.2f} | {verdict:<10} |"
        )
    print(
        f"(first: one request before the {args.requests} timed ones, which the percentiles "
        "cover; with two servers the timed requests alternate A B A B)"
    )
    print()
    print(f"memory per stored message beyond its raw bytes ({raw_total / n:,.0f} B on average),")
    print(f"in the server process; target under {TARGET_OVERHEAD_BYTES:,.0f} B")
    print()
    print("| measured | " + " | ".join(f"server {sv.label}" for sv in servers) + " |")
    print("|---|" + "---|" * len(servers))
    lines = [
        ("RSS, after storing", "after", "rss"),
        ("RSS, after the first subject search", "searched", "rss"),
        ("RSS, at the end", "end", "rss"),
        ("peak RSS (VmHWM), at the end", "end", "hwm"),
    ]
    if args.tracemalloc:
        lines += [
            ("tracemalloc, after storing", "after", "traced"),
            ("tracemalloc, after the first subject search", "searched", "traced"),
        ]
    for label, when, key in lines:
        cells = []
        for server in servers:
            memory = server.memory
            base = memory["before"]["rss" if key == "hwm" else key]
            overhead = (memory[when][key] - base - raw_total) / n
            verdict = "met" if overhead < TARGET_OVERHEAD_BYTES else "MISSED"
            cells.append(f"{overhead:,.0f} B ({verdict})")
        print(f"| {label} | " + " | ".join(cells) + " |")
    for server in servers:
        if server.top:
            print()
            print(f"server {server.label}, tracemalloc: growth since the fill, then the fill:")
            for line in server.top:
                print("  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=100_000, help="stored messages")
    parser.add_argument("--recipients", type=int, default=1000, help="distinct recipients")
    parser.add_argument("--templates", type=int, default=400, help="distinct base messages")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace allocations in the server"
    )
    parser.add_argument(
        "--compare",
        metavar="PATH",
        help="also run a server B whose mailtrap_py is found in PATH (a patched copy); "
        "the timed requests alternate A B A B",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.messages < args.recipients or args.messages < SUBJECT_SHARE:
        parser.error("--messages must be at least --recipients and 100")
    if args.serve:
        serve(args)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
