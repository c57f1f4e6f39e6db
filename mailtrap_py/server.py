"""MailServer: every service of mailtrap-py on one event loop, over one store.

Sync callers (pytest, scripts) get the loop in a background thread:
`with MailServer() as server: ...`. Code already in an event loop runs the services
on its own loop: `async with MailServer() as server: ...`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from mailtrap_py.faults import FaultSet, Rule
from mailtrap_py.imap import DEFAULT_IDLE_TIMEOUT as DEFAULT_IMAP_TIMEOUT
from mailtrap_py.imap import IMAPService
from mailtrap_py.message import Message
from mailtrap_py.pop3 import DEFAULT_IDLE_TIMEOUT as DEFAULT_POP3_TIMEOUT
from mailtrap_py.pop3 import MaildropLocks, POP3Service
from mailtrap_py.query import Criteria, describe_arrivals
from mailtrap_py.smtp import SMTPPolicy, SMTPService
from mailtrap_py.smtp.policy import (
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_TIMEOUT,
    Greylist,
    RecipientPolicy,
)
from mailtrap_py.store import Store
from mailtrap_py.tls import Certificates, certificates

log = logging.getLogger("mailtrap_py.server")

DEFAULT_WAIT_TIMEOUT = 5.0


class Service(Protocol):
    """A listening service on the server's loop (SMTP, SMTPS, POP3, POP3S, ...)."""

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0: a free port); return the bound port."""

    async def stop(self) -> None:
        """Stop listening, close every connection, leave no task behind."""


class MailTimeout(AssertionError):
    """No message (or not enough) matched before the timeout.

    An AssertionError so pytest reports it as a failed expectation, with the
    message explaining what was expected and what arrived instead.
    """


class MailServer:
    """SMTP (plain+STARTTLS), SMTPS, POP3 (plain+STLS) and POP3S over one store.

    Every port defaults to 0, an ephemeral port; read the bound one after start.
    A port of None turns that service off. The host defaults to 127.0.0.1: bind a
    wider address only on purpose.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        smtp_port: int | None = 0,
        smtps_port: int | None = 0,
        http_port: int | None = 0,
        pop3_port: int | None = 0,
        pop3s_port: int | None = 0,
        imap_port: int | None = 0,
        imaps_port: int | None = 0,
        hostname: str = "localhost",
        users: Mapping[str, str] | None = None,
        strict: bool = False,
        auth_required: bool = False,
        starttls_required: bool = False,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        smtp_timeout: float = DEFAULT_TIMEOUT,
        pop3_timeout: float = DEFAULT_POP3_TIMEOUT,
        imap_timeout: float = DEFAULT_IMAP_TIMEOUT,
        max_messages: int | None = None,
        catchall_login: str | None = None,
        store: Store | None = None,
        faults: Iterable[Rule | str] = (),
        max_recipients: int | None = None,
        allowed_recipients: Sequence[str] = (),
        reject_unknown_users: bool = False,
        greylist: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Recipient policies (see `RecipientPolicy`): `max_recipients` (452 past
        it), `allowed_recipients` (glob or /regex/ patterns; others get 550),
        `reject_unknown_users` (with strict: RCPT to an undeclared address gets
        550), `greylist` (seconds before a retry passes; `clock` replaces
        time.monotonic for it). `faults`: rules (or rule strings) to start with;
        `server.faults` adds and removes them at run time."""
        self.host = host
        if store is not None and (strict or max_messages is not None or catchall_login):
            raise ValueError(
                "strict, max_messages and catchall_login configure a new store; "
                "set them on the Store you pass instead"
            )
        self.store = store or Store(
            strict=strict, max_messages=max_messages, catchall_login=catchall_login
        )
        for user, password in (users or {}).items():
            self.store.declare_user(user, password)
        if reject_unknown_users and not self.store.strict:
            raise ValueError(
                "reject_unknown_users needs strict=True: only a strict server knows "
                "which users exist"
            )
        if isinstance(allowed_recipients, str):
            allowed_recipients = [allowed_recipients]
        self.recipient_policy = RecipientPolicy(
            max_recipients=max_recipients,
            allowed_recipients=tuple(allowed_recipients),
            reject_unknown_users=reject_unknown_users,
            greylist=greylist,
        )
        self.greylist = (
            None if greylist is None else Greylist(greylist, *([clock] if clock else []))
        )
        self.faults = FaultSet(faults)
        self.smtp_policy = SMTPPolicy(
            auth_required=auth_required,
            starttls_required=starttls_required,
            max_message_size=max_message_size,
            timeout=smtp_timeout,
            hostname=hostname,
        )
        self.hostname = hostname
        self.pop3_timeout = pop3_timeout
        self.imap_timeout = imap_timeout
        # RFC 1939 section 4: one session per maildrop, whichever port it came in on.
        self.pop3_locks = MaildropLocks()
        self._want_ports = {
            "smtp": smtp_port,
            "smtps": smtps_port,
            "pop3": pop3_port,
            "pop3s": pop3s_port,
            "imap": imap_port,
            "imaps": imaps_port,
            "http": http_port,
        }
        self._ports: dict[str, int] = {}
        self._services: list[Service] = []
        self._certificates: Certificates | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- ports and certificates ----------------------------------------------

    def _port(self, name: str) -> int:
        if name not in self._ports:
            state = "is off" if self._want_ports.get(name) is None else "is not started"
            raise RuntimeError(f"{name} {state}: no port to give")
        return self._ports[name]

    @property
    def smtp_port(self) -> int:
        return self._port("smtp")

    @property
    def smtps_port(self) -> int:
        return self._port("smtps")

    @property
    def http_port(self) -> int:
        return self._port("http")

    @property
    def api_url(self) -> str:
        """Base URL of the HTTP API and web page, e.g. `http://127.0.0.1:8025`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.http_port}"

    @property
    def pop3_port(self) -> int:
        return self._port("pop3")

    @property
    def pop3s_port(self) -> int:
        return self._port("pop3s")

    @property
    def imap_port(self) -> int:
        return self._port("imap")

    @property
    def imaps_port(self) -> int:
        return self._port("imaps")

    @property
    def ports(self) -> dict[str, int]:
        """Every running service's bound port, by service name."""
        return dict(self._ports)

    @property
    def certificates(self) -> Certificates:
        if self._certificates is None:
            self._certificates = certificates()
        return self._certificates

    @property
    def ca_pem(self) -> bytes:
        """PEM of the CA that signed the server certificate: trust it to verify TLS."""
        return self.certificates.ca_pem

    @property
    def ca_path(self) -> Path:
        """The same CA as a file, for clients that take a path (`cafile=`, `--cacert`)."""
        return self.certificates.ca_path

    def client_ssl_context(self) -> ssl.SSLContext:
        """An `ssl.SSLContext` that verifies this server's certificate."""
        return self.certificates.client_context()

    @property
    def running(self) -> bool:
        return bool(self._services)

    # -- the store -----------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """Captured messages in arrival order (a snapshot)."""
        return self.store.messages

    def clear(self) -> None:
        """Forget every captured message and every account's mail."""
        self.store.clear()

    def wait_for(self, *, timeout: float = DEFAULT_WAIT_TIMEOUT, **criteria: Any) -> Message:
        """The first message matching `criteria`, waiting up to `timeout` seconds.

        Messages that arrived before the call count too. Criteria are those of
        `mailtrap_py.query.Criteria.of`: to, sender, from_, cc, bcc, subject, text,
        html, body, header, has_attachment, where.
        """
        __tracebackhide__ = True  # pytest: show the caller's line
        return self.wait_for_messages(1, timeout=timeout, **criteria)[0]

    def wait_for_messages(
        self, count: int, *, timeout: float = DEFAULT_WAIT_TIMEOUT, **criteria: Any
    ) -> list[Message]:
        """The first `count` messages matching `criteria`, waiting up to `timeout`."""
        __tracebackhide__ = True  # pytest: show the caller's line
        self._refuse_on_own_loop("wait_for")
        query = Criteria.build(criteria)
        found = self.store.wait_for(query, timeout, count)
        if len(found) < count:
            raise MailTimeout(self._timeout_text(query, timeout, count, len(found)))
        return found

    async def wait_for_async(
        self, *, timeout: float = DEFAULT_WAIT_TIMEOUT, **criteria: Any
    ) -> Message:
        """`wait_for` for async code; works on any event loop, the server's too."""
        __tracebackhide__ = True  # pytest: show the caller's line
        return (await self.wait_for_messages_async(1, timeout=timeout, **criteria))[0]

    async def wait_for_messages_async(
        self, count: int, *, timeout: float = DEFAULT_WAIT_TIMEOUT, **criteria: Any
    ) -> list[Message]:
        """`wait_for_messages` for async code."""
        __tracebackhide__ = True  # pytest: show the caller's line
        query = Criteria.build(criteria)
        found = await self.store.wait_for_async(query, timeout, count)
        if len(found) < count:
            raise MailTimeout(self._timeout_text(query, timeout, count, len(found)))
        return found

    def _timeout_text(self, query: Criteria, timeout: float, count: int, matched: int) -> str:
        wanted = "a message" if count == 1 else f"{count} messages"
        head = f"Timed out after {timeout:g}s waiting for {wanted} where {query.describe()}"
        if count > 1:
            head += f" ({matched} matched)"
        return f"{head}.\n{describe_arrivals(self.messages)}"

    def _refuse_on_own_loop(self, what: str) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            try:
                current = asyncio.get_running_loop()
            except RuntimeError:
                return
            if current is loop:
                raise RuntimeError(
                    f"{what}() would block the event loop the server runs on; "
                    "use `await server.wait_for_async(...)`"
                )

    # -- lifecycle: async ----------------------------------------------------

    def _make_service(self, name: str, tls_context: ssl.SSLContext) -> Service:
        """The service behind a port name; each protocol adds its names here."""
        if name in ("smtp", "smtps"):
            return SMTPService(
                self.store,
                self.smtp_policy,
                tls_context=tls_context,
                implicit_tls=name == "smtps",
                faults=self.faults,
                recipients=self.recipient_policy,
                greylist=self.greylist,
            )
        if name == "http":
            # Imported here: FastAPI costs a few hundred ms to import, paid only by
            # servers that run the API.
            from mailtrap_py.api.app import ApiContext
            from mailtrap_py.api.service import HTTPService

            return HTTPService(
                ApiContext(
                    store=self.store,
                    host=self.host,
                    ports=lambda: dict(self._ports),
                    max_message_size=self.smtp_policy.max_message_size,
                    faults=self.faults,
                )
            )
        if name in ("pop3", "pop3s"):
            return POP3Service(
                self.store,
                locks=self.pop3_locks,
                hostname=self.hostname,
                tls_context=tls_context,
                implicit_tls=name == "pop3s",
                idle_timeout=self.pop3_timeout,
                faults=self.faults,
            )
        if name in ("imap", "imaps"):
            return IMAPService(
                self.store,
                tls_context=tls_context,
                implicit_tls=name == "imaps",
                idle_timeout=self.imap_timeout,
                faults=self.faults,
            )
        raise ValueError(f"unknown service {name!r}")  # pragma: no cover

    async def _start_services(self) -> None:
        self._loop = asyncio.get_running_loop()
        tls_context = self.certificates.server_context
        try:
            for name, port in self._want_ports.items():
                if port is None:
                    continue
                service = self._make_service(name, tls_context)
                self._ports[name] = await service.start(self.host, port)
                self._services.append(service)
        except BaseException:
            await self._stop_services()
            raise
        log.info("mailtrap-py listening on %s: %s", self.host, self._ports)

    async def _stop_services(self) -> None:
        services, self._services = self._services, []
        for service in services:
            await service.stop()
        self._ports = {}

    async def __aenter__(self) -> MailServer:
        if self.running:
            raise RuntimeError("MailServer is already running")
        await self._start_services()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop_services()
        self._loop = None

    # -- lifecycle: a loop in a thread ----------------------------------------

    def start(self) -> MailServer:
        """Start every service on a new event loop in a background thread."""
        if self.running or self._thread is not None:
            raise RuntimeError("MailServer is already running")
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(
            target=self._run_loop, args=(loop, ready), name="mailtrap-py", daemon=True
        )
        thread.start()
        ready.wait()
        self._thread = thread
        try:
            asyncio.run_coroutine_threadsafe(self._start_services(), loop).result()
        except BaseException:
            self._halt_thread(loop)
            raise
        return self

    def stop(self) -> None:
        """Stop every service, close every connection, end the thread."""
        if self._thread is None:
            return
        loop = self._loop
        assert loop is not None
        try:
            asyncio.run_coroutine_threadsafe(self._stop_services(), loop).result()
        finally:
            self._halt_thread(loop)

    def _halt_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self._loop = None

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            # Nothing may outlive the server: cancel what is left and close the loop.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            # Transports closed by those cancellations release their sockets in
            # callbacks queued with call_soon: run them before the loop goes.
            for _ in range(3):
                loop.run_until_complete(asyncio.sleep(0))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        ports = " ".join(f"{k}={v}" for k, v in self._ports.items()) or "stopped"
        return f"<MailServer {self.host} {ports} messages={len(self.store)}>"
