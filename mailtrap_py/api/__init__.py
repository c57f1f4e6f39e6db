"""The HTTP inspection API: FastAPI on the MailServer's own loop."""

from mailtrap_py.api.app import create_app

__all__ = ["create_app"]
