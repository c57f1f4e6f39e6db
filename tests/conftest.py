"""Suite-wide fixtures."""

import gc

import pytest


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test():
    # A leaked socket or transport warns only when collected; collecting here
    # pins the ResourceWarning (an error under filterwarnings=error) on the test
    # that leaked it instead of on whichever test runs next.
    yield
    gc.collect()
