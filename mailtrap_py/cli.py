"""`mailtrap-py serve`, `mailtrap-py send` and `mailtrap-py --version`.

Every option of `serve` can also come from an environment variable MAILTRAP_*.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import smtplib
import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from mailtrap_py.__about__ import __version__
from mailtrap_py.faults import SPEC_HELP, FaultError, Rule, chaos_rules, parse_rule
from mailtrap_py.imap import DEFAULT_IDLE_TIMEOUT as DEFAULT_IMAP_TIMEOUT
from mailtrap_py.pop3 import DEFAULT_IDLE_TIMEOUT as DEFAULT_POP3_TIMEOUT
from mailtrap_py.server import MailServer
from mailtrap_py.smtp.policy import DEFAULT_MAX_MESSAGE_SIZE

if TYPE_CHECKING:
    from mailtrap_py.factories import MessageFactory

# Seconds `send` waits for the server at each step; smtplib's default is forever,
# which turns a wrong port (a listener that never answers) into a hung terminal.
SEND_TIMEOUT = 30.0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mailtrap-py")
def main() -> None:
    """mailtrap-py: a mail server for tests and local development."""


def read_users(path: Path) -> dict[str, str]:
    """`address:password` per line; blank lines and `#` comments are skipped."""
    users: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip():
            raise click.BadParameter(f"{path}:{number}: expected address:password")
        users[user.strip()] = password
    return users


@main.command()
@click.option(
    "--host",
    envvar="MAILTRAP_HOST",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; 0.0.0.0 exposes the server to the network.",
)
@click.option("--smtp-port", envvar="MAILTRAP_SMTP_PORT", type=int, default=1025, show_default=True)
@click.option(
    "--smtps-port",
    envvar="MAILTRAP_SMTPS_PORT",
    type=int,
    default=1465,
    show_default=True,
    help="Implicit-TLS SMTP port; -1 turns it off.",
)
@click.option(
    "--http-port",
    envvar="MAILTRAP_HTTP_PORT",
    type=int,
    default=8025,
    show_default=True,
    help="HTTP API port; -1 turns it off.",
)
@click.option(
    "--pop3-port",
    envvar="MAILTRAP_POP3_PORT",
    type=int,
    default=1110,
    show_default=True,
    help="POP3 port (plain, with STLS); -1 turns it off.",
)
@click.option(
    "--pop3s-port",
    envvar="MAILTRAP_POP3S_PORT",
    type=int,
    default=1995,
    show_default=True,
    help="Implicit-TLS POP3 port; -1 turns it off.",
)
@click.option(
    "--pop3-timeout",
    envvar="MAILTRAP_POP3_TIMEOUT",
    type=float,
    default=DEFAULT_POP3_TIMEOUT,
    show_default=True,
    help="Seconds a POP3 client may stay silent before it is disconnected.",
)
@click.option(
    "--imap-port",
    envvar="MAILTRAP_IMAP_PORT",
    type=int,
    default=1143,
    show_default=True,
    help="IMAP port (plain, with STARTTLS); -1 turns it off.",
)
@click.option(
    "--imaps-port",
    envvar="MAILTRAP_IMAPS_PORT",
    type=int,
    default=1993,
    show_default=True,
    help="Implicit-TLS IMAP port; -1 turns it off.",
)
@click.option(
    "--imap-timeout",
    envvar="MAILTRAP_IMAP_TIMEOUT",
    type=float,
    default=DEFAULT_IMAP_TIMEOUT,
    show_default=True,
    help="Seconds an IMAP client may stay silent before it is logged out (RFC 3501: 1800).",
)
@click.option(
    "--catchall-login",
    envvar="MAILTRAP_CATCHALL_LOGIN",
    default=None,
    help="An address whose INBOX (IMAP, POP3) receives a copy of every captured message.",
)
@click.option(
    "--hostname",
    envvar="MAILTRAP_HOSTNAME",
    default="localhost",
    show_default=True,
    help="Name in the SMTP and POP3 greetings.",
)
@click.option(
    "--users",
    "users_file",
    envvar="MAILTRAP_USERS",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File of address:password lines; with it, only these users may log in.",
)
@click.option(
    "--auth-required/--no-auth-required",
    envvar="MAILTRAP_AUTH_REQUIRED",
    default=False,
    help="Refuse MAIL before AUTH (530).",
)
@click.option(
    "--starttls-required/--no-starttls-required",
    envvar="MAILTRAP_STARTTLS_REQUIRED",
    default=False,
    help="Refuse commands before STARTTLS on the plain port (530).",
)
@click.option(
    "--max-message-size",
    envvar="MAILTRAP_MAX_MESSAGE_SIZE",
    type=int,
    default=DEFAULT_MAX_MESSAGE_SIZE,
    show_default=True,
    help="Bytes; larger messages get 552. 0: no limit.",
)
@click.option(
    "--max-messages",
    envvar="MAILTRAP_MAX_MESSAGES",
    type=int,
    default=None,
    help="Keep at most this many messages, dropping the oldest.",
)
@click.option(
    "--max-recipients",
    envvar="MAILTRAP_MAX_RECIPIENTS",
    type=click.IntRange(min=1),
    default=None,
    help="RCPT past this many in one message gets 452.",
)
@click.option(
    "--allow-recipient",
    "allowed_recipients",
    multiple=True,
    metavar="PATTERN",
    help="Accept only recipients matching a glob or /regex/ (repeatable); others get 550.",
)
@click.option(
    "--reject-unknown-users",
    is_flag=True,
    envvar="MAILTRAP_REJECT_UNKNOWN_USERS",
    help="With --users: RCPT to an address not in the file gets 550.",
)
@click.option(
    "--greylist",
    envvar="MAILTRAP_GREYLIST",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Greylisting: a first attempt gets 451, a retry SECONDS later passes.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="RULE",
    help="Inject a fault (repeatable), e.g. smtp:RCPT:550:bounce@* or smtp:DATA:451:times=2."
    " See `mailtrap-py fault-syntax`.",
)
@click.option(
    "--chaos",
    is_flag=False,
    flag_value="random",
    default=None,
    metavar="[SEED]",
    help="MailHog Jim's random failures (drop 1% of connections, throttle 10%, reject 5% "
    "of MAIL/RCPT/AUTH...); give a SEED to replay a run.",
)
@click.option(
    "--log-level",
    envvar="MAILTRAP_LOG_LEVEL",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="info logs each captured message and POP3 login; debug adds every SMTP line.",
)
def serve(
    host: str,
    smtp_port: int,
    smtps_port: int,
    http_port: int,
    pop3_port: int,
    pop3s_port: int,
    pop3_timeout: float,
    imap_port: int,
    imaps_port: int,
    imap_timeout: float,
    catchall_login: str | None,
    hostname: str,
    users_file: Path | None,
    auth_required: bool,
    starttls_required: bool,
    max_message_size: int,
    max_messages: int | None,
    max_recipients: int | None,
    allowed_recipients: tuple[str, ...],
    reject_unknown_users: bool,
    greylist: float | None,
    faults: tuple[str, ...],
    chaos: str | None,
    log_level: str,
) -> None:
    """Run the catch-all mail server until Ctrl-C or SIGTERM."""
    configure_logging(log_level)
    users = read_users(users_file) if users_file else None
    if reject_unknown_users and users is None:
        raise click.UsageError("--reject-unknown-users needs --users (who is known)")
    rules = parse_faults(faults, chaos)
    server = MailServer(
        host=host,
        smtp_port=smtp_port,
        smtps_port=None if smtps_port < 0 else smtps_port,
        http_port=None if http_port < 0 else http_port,
        pop3_port=None if pop3_port < 0 else pop3_port,
        pop3s_port=None if pop3s_port < 0 else pop3s_port,
        pop3_timeout=pop3_timeout,
        imap_port=None if imap_port < 0 else imap_port,
        imaps_port=None if imaps_port < 0 else imaps_port,
        imap_timeout=imap_timeout,
        catchall_login=catchall_login,
        hostname=hostname,
        users=users,
        strict=users is not None,
        auth_required=auth_required,
        starttls_required=starttls_required,
        max_message_size=max_message_size or None,
        max_messages=max_messages,
        max_recipients=max_recipients,
        allowed_recipients=allowed_recipients,
        reject_unknown_users=reject_unknown_users,
        greylist=greylist,
        faults=rules,
    )
    try:
        asyncio.run(_serve(server))
    except OSError as error:  # typically the port is taken
        raise click.ClickException(f"cannot start: {error}") from error


def parse_faults(specs: tuple[str, ...], chaos: str | None) -> list[Rule]:
    """The rules of --fault (each in the compact syntax) and --chaos [SEED]."""
    rules: list[Rule] = []
    for spec in specs:
        try:
            rules.append(parse_rule(spec))
        except FaultError as error:
            raise click.BadParameter(str(error), param_hint="--fault") from error
    if chaos is not None:
        if chaos == "random":
            seed = None
        else:
            try:
                seed = int(chaos)
            except ValueError:
                raise click.BadParameter(
                    f"{chaos!r} is not a seed (a whole number)", param_hint="--chaos"
                ) from None
        rules.extend(chaos_rules(seed))
    return rules


@main.command("fault-syntax")
def fault_syntax() -> None:
    """Explain the --fault rule syntax."""
    click.echo(SPEC_HELP)


def configure_logging(level: str) -> None:
    """Log lines on stderr; aiosmtpd's per-command log only at debug level."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if level.lower() != "debug":
        logging.getLogger("mail.log").setLevel(logging.WARNING)


async def _serve(server: MailServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        click.echo(f"mailtrap-py {__version__}")
        host = f"[{server.host}]" if ":" in server.host else server.host
        for name, port in server.ports.items():
            click.echo(f"  {name:<6} listening on {host}:{port}")
        if "http" in server.ports:
            from mailtrap_py.api import API_PREFIX  # the API is running: already imported

            click.echo(f"  web    {server.api_url}/")
            click.echo(
                f"  API    {server.api_url}{API_PREFIX}/messages (docs: {server.api_url}/docs)"
            )
        click.echo(f"  CA for TLS clients: {server.ca_path}")
        for rule in server.faults:
            click.echo(f"  fault {rule.id}: {rule.spec()}")
        click.echo("Ctrl-C stops.", err=False)
        sys.stdout.flush()
        await stop.wait()
    click.echo("stopped")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=1025, show_default=True)
@click.option("--to", "to", multiple=True, help="Recipient (repeatable); default: a generated one.")
@click.option("--from", "from_", help="Sender; default: a generated one.")
@click.option("--subject", help="Subject; default: a generated one.")
@click.option("--body", help="Text body; default: generated.")
@click.option("--file", "file", type=click.File("rb"), help="Send this .eml file as it is.")
@click.option(
    "--kind",
    type=click.Choice(
        ["plain", "alternative", "with_attachments", "with_inline_image", "international", "any"]
    ),
    default="alternative",
    show_default=True,
    help="What the factory generates.",
)
@click.option("--count", type=int, default=1, show_default=True)
@click.option("--starttls", is_flag=True, help="Upgrade with STARTTLS first.")
@click.option("--ssl", "use_ssl", is_flag=True, help="Connect with implicit TLS (SMTPS).")
@click.option(
    "--cafile", type=click.Path(exists=True, dir_okay=False), help="CA to verify the server with."
)
@click.option("--insecure", is_flag=True, help="Do not verify the server certificate.")
@click.option("--user", help="AUTH user.")
@click.option("--password", default="", help="AUTH password.")
@click.option(
    "--timeout",
    type=float,
    default=SEND_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the server at each step.",
)
def send(
    host: str,
    port: int,
    to: tuple[str, ...],
    from_: str | None,
    subject: str | None,
    body: str | None,
    file: BinaryIO | None,
    kind: str,
    count: int,
    starttls: bool,
    use_ssl: bool,
    cafile: str | None,
    insecure: bool,
    user: str | None,
    password: str,
    timeout: float,
) -> None:
    """Send a message (given, or generated) to a mail server, for trying things out."""
    if starttls and use_ssl:
        raise click.UsageError("--starttls and --ssl exclude each other: pick one")
    context = ssl.create_default_context(cafile=cafile)
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    # Faker takes a few hundred ms to import: only `send` pays for it.
    from mailtrap_py.factories import MessageFactory

    factory = MessageFactory()
    with _explain_failures(host, port, user):
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(host, port, context=context, timeout=timeout)
            if use_ssl
            else smtplib.SMTP(host, port, timeout=timeout)
        )
        with client:
            if starttls:
                client.starttls(context=context)
            if user:
                client.login(user, password)
            if file is not None:
                # An .eml file goes out byte for byte: no re-serialising by the email package.
                raw = file.read()
                headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
                sender = from_ or str(headers.get("from", "")) or "mailtrap-py@localhost"
                recipients = list(to) or [
                    a.addr_spec
                    for name in ("to", "cc", "bcc")
                    for header in headers.get_all(name) or []
                    for a in header.addresses
                ]
                if not recipients:
                    raise click.UsageError(
                        "no recipient: give --to, or a file with To, Cc or Bcc headers"
                    )
                client.sendmail(parseaddr(sender)[1], recipients, raw)
                click.echo(f"sent {headers.get('subject', '')!r} to {', '.join(recipients)}")
                return
            for _ in range(count):
                msg = _generate(factory, kind, list(to), from_, subject, body)
                client.send_message(msg)
                click.echo(f"sent {msg['Subject']!r} to {msg['To']}")


@contextmanager
def _explain_failures(host: str, port: int, user: str | None) -> Iterator[None]:
    """The server's refusal or a network/TLS failure, in one line instead of a traceback.

    These are answers from the other side (or its absence), not bugs in mailtrap-py,
    so the user needs what was refused and why, with exit code 1.
    """
    try:
        yield
    except smtplib.SMTPAuthenticationError as error:
        reply = _reply(error.smtp_code, error.smtp_error)
        raise click.ClickException(f"login as {user!r} refused: {reply}") from error
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(
            f"{rcpt} ({_reply(code, text)})" for rcpt, (code, text) in error.recipients.items()
        )
        raise click.ClickException(f"recipients refused: {refused or 'none given'}") from error
    except smtplib.SMTPResponseException as error:
        reply = _reply(error.smtp_code, error.smtp_error)
        raise click.ClickException(f"{host}:{port} refused: {reply}") from error
    except (smtplib.SMTPException, OSError) as error:  # ssl.SSLError is an OSError
        raise click.ClickException(f"cannot send to {host}:{port}: {error}") from error


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


def _generate(
    factory: MessageFactory,
    kind: str,
    to: list[str],
    from_: str | None,
    subject: str | None,
    body: str | None,
) -> EmailMessage:
    if body is not None:
        return factory.plain(to=to or None, from_=from_, subject=subject, text=body)
    builder = getattr(factory, kind)
    msg = builder(to=to or None, from_=from_, subject=subject)
    assert isinstance(msg, EmailMessage)
    return msg


if __name__ == "__main__":  # pragma: no cover
    main()
