"""Hooks and fixtures: `mailtrap_server` (session), `mailtrap` (test), `fake_email`."""

from __future__ import annotations

import os
import zlib
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from mailtrap_py.factories import MessageFactory
from mailtrap_py.query import describe_arrivals
from mailtrap_py.server import MailServer

from .fixture import Mailtrap

_OPTIONS = (
    # (name, type, default, help)
    ("host", str, "127.0.0.1", "address the mail server binds"),
    ("smtp_port", int, 0, "SMTP port (0: a free port; under xdist gwN uses port + 100*N)"),
    ("smtps_port", int, 0, "SMTPS (implicit TLS) port, as for smtp_port"),
    ("http_port", int, 0, "HTTP API port, as for smtp_port"),
    ("pop3_port", int, 0, "POP3 port (plain, with STLS), as for smtp_port"),
    ("pop3s_port", int, 0, "POP3S (implicit TLS) port, as for smtp_port"),
    ("imap_port", int, 0, "IMAP port (plain, with STARTTLS), as for smtp_port"),
    ("imaps_port", int, 0, "IMAPS (implicit TLS) port, as for smtp_port"),
    ("timeout", float, 5.0, "default seconds mailtrap.wait_for() waits"),
)

_SERVER_KEY = pytest.StashKey[MailServer]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mailtrap", "mailtrap-py mail server")
    for name, _type, default, text in _OPTIONS:
        flag = "--mailtrap-" + name.replace("_", "-")
        group.addoption(
            flag, dest=f"mailtrap_{name}", default=None, help=f"{text} (default {default})"
        )
        parser.addini(f"mailtrap_{name}", f"{text} (default {default})", default=str(default))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mailtrap(**options): run this test against its own MailServer(**options), "
        "e.g. @pytest.mark.mailtrap(auth_required=True, users={'a@x.test': 'pw'}) or "
        "@pytest.mark.mailtrap(faults=['smtp:RCPT:550:bounce@*'])",
    )


def _option(config: pytest.Config, name: str) -> Any:
    kind = next(t for n, t, _, _ in _OPTIONS if n == name)
    value = config.getoption(f"mailtrap_{name}")
    if value is None:
        value = config.getini(f"mailtrap_{name}")
    return kind(value)


# Fixed ports under xdist: worker gwN adds N * this. A step of 100 (not 1) keeps
# two configured ports that sit next to each other (1025 and 1026) from colliding.
XDIST_PORT_STEP = 100


def _worker_offset(config: pytest.Config) -> int:
    """0 without xdist; 100*N on worker gwN, so fixed ports do not collide."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    return index * XDIST_PORT_STEP


def _port(config: pytest.Config, name: str) -> int:
    port = int(_option(config, name))
    return port + _worker_offset(config) if port else 0


@pytest.fixture(scope="session")
def mailtrap_server(pytestconfig: pytest.Config) -> Iterator[MailServer]:
    """One MailServer for the whole session (one per xdist worker)."""
    server = MailServer(
        host=_option(pytestconfig, "host"),
        smtp_port=_port(pytestconfig, "smtp_port"),
        smtps_port=_port(pytestconfig, "smtps_port"),
        http_port=_port(pytestconfig, "http_port"),
        pop3_port=_port(pytestconfig, "pop3_port"),
        pop3s_port=_port(pytestconfig, "pop3s_port"),
        imap_port=_port(pytestconfig, "imap_port"),
        imaps_port=_port(pytestconfig, "imaps_port"),
    )
    with server:
        yield server


@pytest.fixture
def mailtrap(request: pytest.FixtureRequest) -> Iterator[Mailtrap]:
    """The mail server for this test, empty at its start.

    With `@pytest.mark.mailtrap(**options)` the test gets its own
    `MailServer(**options)`; otherwise the session's server, cleared.
    """
    timeout = _option(request.config, "timeout")
    marker = request.node.get_closest_marker("mailtrap")
    options = dict(marker.kwargs) if marker else {}
    if marker and marker.args:
        raise pytest.UsageError("@pytest.mark.mailtrap takes keyword options only")
    if options:
        options.setdefault("host", _option(request.config, "host"))
        with MailServer(**options) as server:
            request.node.stash[_SERVER_KEY] = server
            yield Mailtrap(server, timeout=timeout, test_name=request.node.name)
        return
    server = request.getfixturevalue("mailtrap_server")
    server.clear()
    server.faults.clear()
    request.node.stash[_SERVER_KEY] = server
    try:
        yield Mailtrap(server, timeout=timeout, test_name=request.node.name)
    finally:
        # The next test starts without this one's fault rules, pass or fail.
        server.faults.clear()


@pytest.fixture
def fake_email(request: pytest.FixtureRequest) -> MessageFactory:
    """Realistic messages from Faker, seeded from the test's id: reruns match."""
    return MessageFactory(seed=zlib.crc32(request.node.nodeid.encode()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # A failed test that used the server shows what it captured: often the answer.
    if call.when == "call" and report.failed:
        server = item.stash.get(_SERVER_KEY, None)
        if server is not None:
            report.sections.append(("Captured mail (mailtrap)", describe_arrivals(server.messages)))
    return report
