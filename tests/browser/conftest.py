"""Fixtures of the browser tests: Playwright driving Debian's Chromium.

Playwright's Python package brings its own driver; the browser is the one from
Debian's `chromium` package (`scripts/install-debian-deps.sh` installs it), passed as
the executable. `playwright install` is never run: its download cannot work offline.

House rule, as for the interop clients: locally a missing Chromium (or Playwright)
skips these tests with the reason shown by `-ra`; in CI (`CI=true`) it fails them.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.requirements import missing

from .helpers import ARTIFACTS, WebPage

# Flags that let Chromium run as root in a container with no GPU and no network,
# and keep it from phoning home (updates, sync, QUIC probes) during a test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HINT = "./scripts/install-debian-deps.sh installs Debian's chromium; pip install -e '.[dev]'"


def _missing(reason: str) -> NoReturn:
    missing(reason, HINT)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def browser() -> Iterator[Any]:
    """A Chromium for this test.

    Not one per session: while Playwright's sync API is started, its event loop
    counts as running in the test thread, and every asyncio test that the same
    xdist worker runs after it would fail ("Cannot run the event loop while another
    loop is running"). A launch costs about a second."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    executable = chromium_path()
    if executable is None:
        _missing("chromium is not installed")
    from playwright.sync_api import expect

    # A loaded CI machine with two cores runs two browsers at once: be patient.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        # headless: Playwright passes --headless; each launch gets a fresh
        # user-data-dir of its own, removed at close.
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    assert asyncio._get_running_loop() is None, "Playwright left its loop running"


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def web(mailtrap: Any, context: Any) -> Iterator[WebPage]:
    """The web page of this test's server, open and following the events stream.

    A script error on the page fails the test."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    web = WebPage(page, mailtrap)
    web.open()
    yield web
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (kept after the run; not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
