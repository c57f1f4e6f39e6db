"""A private Dovecot IMAP server for differential tests (the reference behaviour).

Debian's dovecot-imapd, installed by scripts/install-debian-deps.sh, runs from a
temporary directory on a free loopback port, accepting any password, with the same
folders mailtrap-py gives every account (../shared/reference/dovecot.md). Locally a
missing Dovecot skips the differential tests; in CI (`CI=true`) it fails them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HOST = "127.0.0.1"

CONF = """\
base_dir = {dir}/run
protocols = imap
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
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid=vmail gid=vmail home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Archive {{
    special_use = \\Archive
    auto = create
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = create
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = create
  }}
}}
"""


def _missing(reason: str) -> None:
    hint = " (scripts/install-debian-deps.sh installs dovecot-imapd)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: in CI a missing reference server is a failure{hint}")
    pytest.skip(reason + hint)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_dovecot() -> Iterator[int]:
    """Start Dovecot; yields its IMAP port; stops it and removes its files."""
    if shutil.which("dovecot") is None or not Path("/usr/lib/dovecot/imap").exists():
        _missing("Dovecot IMAP is not installed")
    try:
        vmail = pwd.getpwnam("vmail")
    except KeyError:
        if os.geteuid() != 0:
            _missing("the vmail user Dovecot runs mail as does not exist")
        subprocess.run(["useradd", "-r", "-M", "vmail"], check=True)
        vmail = pwd.getpwnam("vmail")
    if os.geteuid() != 0:
        _missing("Dovecot needs root to start its service processes")
    directory = Path(tempfile.mkdtemp(prefix="mailtrap-test-dovecot-"))
    directory.chmod(0o755)
    (directory / "mail").mkdir()
    os.chown(directory / "mail", vmail.pw_uid, vmail.pw_gid)
    port = _free_port()
    conf = directory / "dovecot.conf"
    conf.write_text(CONF.format(dir=directory, host=HOST, port=port))
    subprocess.run(["dovecot", "-c", str(conf)], check=True, timeout=30)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    log = directory / "dovecot.log"
                    raise RuntimeError(
                        f"Dovecot did not listen: {log.read_text() if log.exists() else ''}"
                    ) from None
                # Waiting for another process to open its socket: there is no
                # event to wait on, so poll (the only poll in the suite).
                time.sleep(0.02)
        yield port
    finally:
        subprocess.run(["doveadm", "-c", str(conf), "stop"], check=False, timeout=30)
        shutil.rmtree(directory, ignore_errors=True)
