"""The HTTP inspection API: FastAPI on the MailServer's own loop."""

# Where the API's routes live (the web page is at /). Defined before the modules
# are imported: they all use it.
API_PREFIX = "/api/v1"

from mailtrap_py.api.app import create_app  # noqa: E402

__all__ = ["API_PREFIX", "create_app"]
