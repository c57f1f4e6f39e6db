"""Where a server's CPU goes under the ingest load of `smtp_ingest.py`.

Starts one server subprocess (`smtp_ingest.py --serve NAME`), attaches py-spy to it,
drives a few ingest rounds, and prints the functions holding the most samples
(inclusive, line numbers folded). py-spy is not a project dependency:

    .venv/bin/pip install py-spy
    .venv/bin/python bench/profile_ingest.py mailtrap
    .venv/bin/python bench/profile_ingest.py aiosmtpd --top 30 --raw /tmp/ai.txt

`--raw` keeps py-spy's collapsed stacks (for flamegraph.pl or speedscope).
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smtp_ingest import SERVERS, ServerProcess, run_round


def inclusive(stacks: Path) -> tuple[int, collections.Counter[str]]:
    """Total samples, and samples per function anywhere on the stack."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        total += int(n)
        for frame in {re.sub(r":\d+\)", ")", f) for f in stack.split(";")}:
            counts[frame] += int(n)
    return total, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server", choices=SERVERS)
    parser.add_argument("--messages", type=int, default=2000, help="messages per round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--rate", type=int, default=500, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=40, help="functions to print")
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")

    server = ServerProcess(args.server)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.raw or Path(tmp) / "stacks.txt"
        try:
            run_round(server, "warmup", argparse.Namespace(**{**vars(args), "messages": 200}))
            command = [spy, "record", "-p", str(server.proc.pid), "-o", str(out)]
            command += ["-f", "raw", "-r", str(args.rate), "--nonblocking"]
            record = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)  # let py-spy attach
            for r in range(args.rounds):
                rate, cpu = run_round(server, f"r{r}", args)
                print(f"round {r + 1}: {rate:.0f} msg/s, {cpu:.0f} us server CPU per message")
            record.send_signal(signal.SIGINT)
            record.wait(timeout=30)
        finally:
            server.close()
        total, counts = inclusive(out)
    print(f"\n{args.server}: {total} samples; inclusive share of the busiest functions")
    for frame, n in counts.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
