"""What aiosmtpd's per-call `Protocol` class in `SMTP._getaddr` costs mailtrap-py.

aiosmtpd 1.4.6 defines `class AddrSpec(typing.Protocol)` inside `_getaddr`, so
every MAIL and RCPT creates a class (and cyclic garbage). This runs the ingest load
of `smtp_ingest.py` against two mailtrap-py servers, stock and with `_getaddr`
replaced by the same body minus that class (monkeypatched in the server
subprocess only; nothing in mailtrap_py/ changes), alternating A B, and prints
CPU per message, rates and garbage collections. See docs/performance.md.

    .venv/bin/python bench/getaddr_patch.py [--rounds 8] [--messages 1000]
"""

from __future__ import annotations

import argparse
import atexit
import gc
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import smtp_ingest
from smtp_ingest import ServerProcess, run_round

MODES = ("stock", "patched")


def patch_getaddr() -> None:
    """Replace aiosmtpd's `SMTP._getaddr` with its own body minus the class."""
    from email._header_value_parser import get_addr_spec, get_angle_addr
    from email.errors import HeaderParseError

    from aiosmtpd import smtp

    def _getaddr(self, arg):  # aiosmtpd 1.4.6 smtp.py, without `class AddrSpec`
        if not arg:
            return "", ""
        try:
            if arg.lstrip().startswith("<"):
                address, rest = get_angle_addr(arg)
            else:
                address, rest = get_addr_spec(arg)
        except HeaderParseError:
            return None, None
        addr = address.addr_spec
        localpart, _atsign, _domainpart = addr.rpartition("@")
        if self.local_part_limit and len(localpart) > self.local_part_limit:
            return None, None
        return addr, rest

    smtp.SMTP._getaddr = _getaddr


def count_collections() -> None:
    """Report garbage collections (count, time) on stderr at exit."""
    counts = [0, 0, 0]
    spent = [0.0, 0.0]  # [started at, total]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            counts[info["generation"]] += 1
            spent[0] = time.perf_counter()
        else:
            spent[1] += time.perf_counter() - spent[0]

    gc.callbacks.append(callback)
    atexit.register(
        lambda: print(f"GC {sum(counts)} {spent[1]:.6f} {counts}", file=sys.stderr, flush=True)
    )


class PatchServer(ServerProcess):
    def __init__(self, mode: str) -> None:
        self.name = mode
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.port = int(self._readline().split()[1])

    def gc_report(self) -> str:
        assert self.proc.stderr is not None
        for line in self.proc.stderr.read().splitlines():
            if line.startswith("GC "):
                _, n, seconds, by_generation = line.split(" ", 3)
                return f"{n} collections {by_generation}, {float(seconds) * 1000:.0f} ms"
        return "no report"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        if args.serve == "patched":
            patch_getaddr()
        count_collections()
        smtp_ingest.serve("mailtrap")
        return

    servers = {mode: PatchServer(mode) for mode in MODES}
    rates: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    try:
        for mode, server in servers.items():
            run_round(server, f"warmup-{mode}", args)
        for r in range(args.rounds):
            for mode, server in servers.items():
                rate, us = run_round(server, f"r{r}-{mode}", args)
                rates[mode].append(rate)
                cpu[mode].append(us)
            print(
                f"round {r + 1}: stock {rates['stock'][-1]:5.0f} msg/s "
                f"{cpu['stock'][-1]:4.0f} us/msg   patched {rates['patched'][-1]:5.0f} msg/s "
                f"{cpu['patched'][-1]:4.0f} us/msg",
                flush=True,
            )
    finally:
        for server in servers.values():
            server.close()
    for mode in MODES:
        print(
            f"{mode:8} median {statistics.median(rates[mode]):5.0f} msg/s, "
            f"{statistics.median(cpu[mode]):4.0f} us CPU/msg; "
            f"GC: {servers[mode].gc_report()}"
        )
    ratio = statistics.median([p / s for p, s in zip(cpu["patched"], cpu["stock"], strict=True)])
    print(f"CPU per message patched / stock, median of pairs: {ratio:.3f}")


if __name__ == "__main__":
    main()
