"""The pytest plugin of mailtrap-py, installed as `pytest_mailtrap_py`.

Installing mailtrap-py activates it through the `pytest11` entry point: the
`mailtrap`, `mailtrap_server` and `fake_email` fixtures need no conftest.
"""

from .fixture import Mailtrap

__all__ = ["Mailtrap"]
