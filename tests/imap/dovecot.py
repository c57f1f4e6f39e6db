"""A private Dovecot IMAP server, the reference: for the differential tests, and
for the interop tests run against it (`IMAP_INTEROP_SERVER=dovecot`).

Debian's dovecot-imapd, installed by scripts/install-debian-deps.sh, runs from a
temporary directory on free loopback ports, accepting any password, with the same
folders mailtrap-py gives every account (../shared/reference/dovecot.md); with
`tls=True` also on an IMAPS port with a certificate from its own trustme CA.
Locally a missing Dovecot skips the tests that need it; in CI (`CI=true`) it fails
them.
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
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import trustme

from tests.requirements import missing

HOST = "127.0.0.1"

CONF = """\
base_dir = {dir}/run
protocols = imap
listen = {host}
{ssl}
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
    port = {imaps_port}
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Archive {{
    special_use = \\Archive
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
"""


def _missing(reason: str) -> NoReturn:
    missing(reason, "scripts/install-debian-deps.sh installs dovecot-imapd")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    imap_port: int
    imaps_port: int  # 0 without TLS
    ca_path: Path | None  # the CA that signed its certificate, with TLS
    directory: Path


@contextlib.contextmanager
def running_dovecot(*, tls: bool = False) -> Iterator[Dovecot]:
    """Start Dovecot; yields where it listens; stops it and removes its files."""
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
    imaps_port, ca_path, ssl = 0, None, "ssl = no"
    if tls:
        ca = trustme.CA()
        cert = ca.issue_cert("localhost", HOST, common_name="localhost")
        ca_path = directory / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        cert.cert_chain_pems[0].write_to_path(str(directory / "cert.pem"))
        cert.private_key_pem.write_to_path(str(directory / "key.pem"))
        imaps_port = _free_port()
        ssl = f"ssl = yes\nssl_cert = <{directory}/cert.pem\nssl_key = <{directory}/key.pem"
    conf = directory / "dovecot.conf"
    conf.write_text(
        CONF.format(dir=directory, host=HOST, port=port, imaps_port=imaps_port, ssl=ssl)
    )
    # The daemon keeps the descriptors it starts with: not pytest's captured ones.
    subprocess.run(
        ["dovecot", "-c", str(conf)],
        check=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
        yield Dovecot(port, imaps_port, ca_path, directory)
    finally:
        subprocess.run(["doveadm", "-c", str(conf), "stop"], check=False, timeout=30)
        shutil.rmtree(directory, ignore_errors=True)
