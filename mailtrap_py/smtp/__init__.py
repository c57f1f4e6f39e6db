"""SMTP capture: aiosmtpd's protocol with mailtrap-py's handler and a few fixes."""

from mailtrap_py.smtp.handler import CaptureHandler
from mailtrap_py.smtp.policy import SMTPPolicy
from mailtrap_py.smtp.protocol import SMTPProtocol
from mailtrap_py.smtp.service import SMTPService

__all__ = ["CaptureHandler", "SMTPPolicy", "SMTPProtocol", "SMTPService"]
