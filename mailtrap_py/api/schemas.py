"""JSON shapes of the HTTP API. They are the OpenAPI schema clients rely on."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field

from mailtrap_py.message import Address, Message


class AddressOut(BaseModel):
    address: str
    name: str = ""

    @classmethod
    def of(cls, address: Address) -> AddressOut:
        return cls(address=address.addr, name=address.name)


class MessageSummary(BaseModel):
    """A message in a list: envelope, the main headers, size and read mark."""

    id: str
    sender: str = Field(description="Envelope sender (MAIL FROM); empty for a bounce.")
    recipients: list[str] = Field(description="Every envelope recipient (RCPT TO), BCC too.")
    from_: AddressOut | None = Field(None, alias="from")
    to: list[AddressOut]
    cc: list[AddressOut]
    subject: str
    date: datetime | None = Field(description="The Date header, if it parses.")
    received_at: datetime
    size: int = Field(description="Octets of the raw message.")
    read: bool
    has_attachments: bool = Field(
        description="A part says `Content-Disposition: attachment` (read from the raw "
        "bytes, so a list does not parse whole messages; `attachments` of the full "
        "message lists every part)."
    )

    model_config = {"populate_by_name": True}

    @classmethod
    def of(cls, message: Message) -> MessageSummary:
        return cls(
            id=message.id,
            sender=message.sender,
            recipients=list(message.recipients),
            from_=AddressOut.of(message.from_) if message.from_ is not None else None,
            to=[AddressOut.of(a) for a in message.to],
            cc=[AddressOut.of(a) for a in message.cc],
            subject=message.subject,
            date=message.date,
            received_at=message.received_at,
            size=message.size,
            read=message.read,
            has_attachments=_ATTACHMENT.search(message.raw) is not None,
        )


# A part header `Content-Disposition: attachment`, the value possibly on a folded
# line. A scan of the raw bytes: parsing every listed message whole would cost a
# list page (and the memory of every parsed message) far more than this.
_ATTACHMENT = re.compile(rb"(?im)^content-disposition:[ \t]*(?:\r?\n[ \t]+)?attachment\b")


class MessageList(BaseModel):
    total: int = Field(description="Messages matching the query, on all pages.")
    unread: int = Field(description="Unread messages among those matching.")
    count: int = Field(description="Messages on this page.")
    offset: int
    messages: list[MessageSummary]


class Header(BaseModel):
    name: str
    value: str


class AttachmentOut(BaseModel):
    part: str = Field(description="MIME part number, as IMAP numbers parts.")
    filename: str | None
    content_type: str
    size: int
    inline: bool
    content_id: str | None
    url: str = Field(description="Where to download the part's decoded content.")


class MessageDetail(MessageSummary):
    """Everything the parsed view knows about one message."""

    bcc: list[AddressOut]
    reply_to: list[AddressOut]
    message_id: str | None
    peer: str | None
    auth_user: str | None
    tls: bool
    headers: list[Header]
    text: str | None
    html: str | None
    attachments: list[AttachmentOut]
    links: list[str]
    codes: list[str]
    defects: list[str]
    raw_url: str

    @classmethod
    def of_message(cls, message: Message, base: str) -> MessageDetail:
        summary = MessageSummary.of(message).model_dump()
        return cls(
            **summary,
            bcc=[AddressOut.of(a) for a in message.bcc],
            reply_to=[AddressOut.of(a) for a in message.reply_to],
            message_id=message.message_id,
            peer=message.peer,
            auth_user=message.auth_user,
            tls=message.tls,
            headers=[Header(name=n, value=v) for n, v in message.headers.items_all()],
            text=message.text,
            html=message.html,
            attachments=[
                AttachmentOut(
                    part=a.part,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    inline=a.inline,
                    content_id=a.content_id,
                    url=f"{base}/messages/{message.id}/parts/{a.part}",
                )
                for a in message.attachments
            ],
            links=message.links,
            codes=message.codes,
            defects=message.defects,
            raw_url=f"{base}/messages/{message.id}/raw",
        )


class Deleted(BaseModel):
    deleted: int


class FolderOut(BaseModel):
    name: str
    uidvalidity: int
    uidnext: int
    messages: int
    unseen: int


class AccountOut(BaseModel):
    address: str
    declared: bool = Field(description="A declared user, who must give their password.")
    folders: list[FolderOut]


class NewAccount(BaseModel):
    address: str = Field(min_length=1, max_length=320)
    password: str = Field(max_length=1024)


class Health(BaseModel):
    status: str
    services: dict[str, int]


class Info(BaseModel):
    version: str
    host: str
    ports: dict[str, int]
    messages: int
    unread: int
    accounts: int
    strict: bool


class ErrorOut(BaseModel):
    detail: str


class FaultIn(BaseModel):
    """A fault rule: `spec` in the CLI syntax, or the fields."""

    spec: str | None = Field(None, examples=["smtp:RCPT:550:bounce@*"])
    protocol: str | None = Field(None, description="smtp (default), pop3 or imap.")
    stage: str | None = Field(
        None, description="connect, greeting, a command name (RCPT, DATA, RETR...) or *."
    )
    code: int | str | None = Field(None, description="SMTP 4xx/5xx, -ERR, NO or BAD.")
    text: str | None = None
    delay: float | None = Field(None, ge=0)
    disconnect: bool | None = None
    throttle: int | None = Field(None, ge=1, description="Bytes per second.")
    throttle_max: int | None = Field(None, ge=1)
    match: str | None = Field(None, description="Address or user: glob, or /regex/.")
    times: int | None = Field(None, ge=1)
    every: int | None = Field(None, ge=1)
    probability: float | None = Field(None, ge=0, le=1)
    seed: int | None = None


class FaultOut(BaseModel):
    id: int
    protocol: str
    stage: str
    action: str = Field(description="reply, delay, disconnect or throttle.")
    code: int | str | None
    text: str | None
    delay: float | None
    throttle: int | None
    throttle_max: int | None
    match: str | None
    times: int | None
    every: int | None
    probability: float | None
    seed: int | None
    fired: int = Field(description="How often the rule fired.")
    seen: int = Field(description="How many events it matched (fired or not).")
    spec: str = Field(description="The rule in the CLI syntax.")
