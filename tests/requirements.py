"""The house rule for tests that need a program from outside the project (a Debian
mail client, Dovecot, Chromium): locally a missing one skips the test, with the
reason shown by `-ra`; in CI (`CI=true`, set by `.ci/run`) it fails it, because a CI
run that silently skipped them would prove nothing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str, hint: str) -> NoReturn:
    """Skip locally, fail in CI. Never returns."""
    if in_ci():
        pytest.fail(f"{reason}: in CI a missing program is a failure ({hint})", pytrace=False)
    pytest.skip(f"{reason} ({hint})")
