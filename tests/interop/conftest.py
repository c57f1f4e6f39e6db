"""Helpers for the interop tests: real mail clients from Debian (swaks, curl,
fetchmail, getmail6, mbsync, offlineimap3).

House rule: locally a missing client skips its tests (with the reason shown by
`-ra`), but in CI (`CI=true`, set by `.ci/run`) it fails them: a CI run that
silently skipped every interop test would prove nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from functools import cache

import pytest

from tests.requirements import missing

# Seconds any one client run may take; a hang is a failure, not a stuck suite.
CLIENT_TIMEOUT = 30


INSTALL_HINT = "./scripts/install-debian-deps.sh installs the interop clients"


def _require_tool(name: str) -> str:
    """The path of `name` on PATH; skip (locally) or fail (CI) if it is not there."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed", INSTALL_HINT)
    return path


@pytest.fixture
def require_tool() -> Callable[[str], str]:
    """`require_tool("swaks")` -> path to swaks, or skip/fail as the house rule says."""
    return _require_tool


@cache
def _swaks_missing_features(swaks: str) -> tuple[str, ...]:
    """Lines like 'TLS not available: requires Net::SSLeay' from `swaks --support`."""
    result = subprocess.run(
        [swaks, "--support"], capture_output=True, text=True, timeout=CLIENT_TIMEOUT
    )
    return tuple(
        line.lstrip("* ").strip()
        for line in (result.stdout + result.stderr).splitlines()
        if "not available" in line
    )


@pytest.fixture
def swaks(require_tool: Callable[[str], str]) -> str:
    return require_tool("swaks")


@pytest.fixture
def swaks_tls(swaks: str) -> str:
    """swaks that can do TLS: Debian's swaks needs libnet-ssleay-perl for it (a
    Recommends, so `--no-install-recommends` leaves it out)."""
    for line in _swaks_missing_features(swaks):
        if line.startswith("TLS "):
            missing(
                f"swaks cannot do TLS here ({line})",
                "apt-get install libnet-ssleay-perl",
            )
    return swaks


@pytest.fixture
def curl(require_tool: Callable[[str], str]) -> str:
    return require_tool("curl")


@pytest.fixture
def fetchmail(require_tool: Callable[[str], str]) -> str:
    return require_tool("fetchmail")


@pytest.fixture
def getmail(require_tool: Callable[[str], str]) -> str:
    """getmail6's `getmail` (Debian package getmail6)."""
    return require_tool("getmail")


@pytest.fixture
def run() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a client to completion: captured output, text, and a timeout."""

    def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT,
            check=False,
            env=env,
        )

    return run
