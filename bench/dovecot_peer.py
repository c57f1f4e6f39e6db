"""Dovecot as the benchmarks' peer server: installed from Debian if missing, run from
a temporary directory on a free loopback port, its mail seeded as Maildir files.

Shared by bench/pop3_retr.py and bench/imap_fetch.py (run as scripts, so this
folder is on sys.path). The tests have their own starter, tests/imap/dovecot.py: it
must skip or fail where this one installs. ../shared/reference/dovecot.md explains
the configuration.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"

CONF = """\
base_dir = {dir}/run
protocols = {protocol}
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {dir}/dovecot.log
mail_location = maildir:{dir}/mail/%u
first_valid_uid = 1
mail_uid = vmail
mail_gid = vmail
default_internal_user = dovecot
default_login_user = dovenull
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid=vmail gid=vmail home={dir}/mail/%u
}}
service {protocol}-login {{
  inet_listener {protocol} {{
    port = {port}
  }}
  inet_listener {protocol}s {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, what: str, log: object, timeout: float = 60) -> None:
    """Wait until something accepts on `port` (a daemon starting: no event to wait on)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 1):
            return
        if time.monotonic() > deadline:
            text = log() if callable(log) else log
            raise SystemExit(f"{what} did not listen on {port}:\n{text}")
        time.sleep(0.05)


def ensure_dovecot(protocol: str) -> None:
    """apt-get dovecot-<protocol>d if it is missing, and the `vmail` user the config
    needs."""
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    if shutil.which("dovecot") is None or not Path(f"/usr/lib/dovecot/{protocol}").exists():
        package = f"dovecot-{protocol}d"
        print(f"installing {package} with apt-get ...", file=sys.stderr)
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
        )
    try:
        pwd.getpwnam("vmail")
    except KeyError:
        subprocess.run([*sudo, "useradd", "-r", "-M", "vmail"], check=True)


class DovecotPeer:
    """One Dovecot serving `protocol` ("imap" or "pop3") with `mailboxes`
    ({user: [raw message, ...]}) in their INBOX, in that order."""

    def __init__(self, protocol: str, mailboxes: dict[str, list[bytes]]) -> None:
        ensure_dovecot(protocol)
        self.dir = Path(tempfile.mkdtemp(prefix=f"mailtrap-bench-dovecot-{protocol}-"))
        self.dir.chmod(0o755)
        self.port = free_port()
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(
            CONF.format(dir=self.dir, host=HOST, protocol=protocol, port=self.port)
        )
        self._seed(mailboxes)
        # The daemon keeps the descriptors it starts with: not this process's stdout.
        subprocess.run(
            ["dovecot", "-c", str(self.conf)],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_listening(self.port, "dovecot", self.log)
            pidfile = self.dir / "run" / "master.pid"
            deadline = time.monotonic() + 30
            while not pidfile.exists() or not pidfile.read_text().strip():
                if time.monotonic() > deadline:
                    raise SystemExit(f"dovecot wrote no {pidfile}:\n{self.log()}")
                time.sleep(0.05)
            self.pid = int(pidfile.read_text().split()[0])
        except BaseException:
            self.stop()
            raise

    def _seed(self, mailboxes: dict[str, list[bytes]]) -> None:
        vmail = pwd.getpwnam("vmail")
        stamp = int(time.time())
        for user, messages in mailboxes.items():
            maildir = self.dir / "mail" / user
            for sub in ("cur", "new", "tmp"):
                (maildir / sub).mkdir(parents=True)
            for n, raw in enumerate(messages):
                # Maildir files hold LF line ends; Dovecot sends CRLF on the wire.
                # Names sort in delivery order, the order Dovecot gives UIDs in;
                # S= and W= spare it reading each file for its size.
                data = raw.replace(b"\r\n", b"\n")
                name = f"{stamp}.M{n:06d}P1.bench,S={len(data)},W={len(raw)}:2,"
                (maildir / "cur" / name).write_bytes(data)
        for root, dirs, files in os.walk(self.dir / "mail"):
            for name in [root, *(os.path.join(root, d) for d in dirs)]:
                os.chown(name, vmail.pw_uid, vmail.pw_gid)
            for name in files:
                os.chown(os.path.join(root, name), vmail.pw_uid, vmail.pw_gid)

    def master_cpu(self) -> float:
        """CPU seconds of the master and of the children it has reaped."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), 11-14 after ")".
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text() if path.exists() else "(no log)"

    def version(self) -> str:
        out = subprocess.run(["dovecot", "--version"], capture_output=True, text=True)
        return out.stdout.strip()

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.conf), "stop"], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
