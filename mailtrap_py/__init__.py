"""mailtrap-py: a mail server for tests. SMTP in, assertions out."""

from mailtrap_py.__about__ import __version__
from mailtrap_py.message import Address, Attachment, Headers, Message
from mailtrap_py.query import Criteria, CriteriaError
from mailtrap_py.server import MailServer, MailTimeout
from mailtrap_py.store import Store

__all__ = [
    "Address",
    "Attachment",
    "Criteria",
    "CriteriaError",
    "Headers",
    "MailServer",
    "MailTimeout",
    "Message",
    "Store",
    "__version__",
]
