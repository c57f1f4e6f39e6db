"""MailServer's life cycle: ports, start and stop, nothing left behind."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import threading

import aiosmtplib
import pytest

from mailtrap_py import MailServer, MailTimeout


def connect_refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def mailtrap_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "mailtrap-py"}


@pytest.fixture
def no_new_threads():
    """Fails the test if it leaves a server thread behind (others' threads excepted:
    under xdist the session server of this worker may be running)."""
    before = mailtrap_threads()
    yield before
    assert mailtrap_threads() == before


def test_ephemeral_ports_are_readable_and_distinct():
    with MailServer() as server:
        assert server.smtp_port > 0 and server.smtps_port > 0
        assert server.smtp_port != server.smtps_port
        assert server.ports == {
            "smtp": server.smtp_port,
            "smtps": server.smtps_port,
            "http": server.http_port,
            "pop3": server.pop3_port,
            "pop3s": server.pop3s_port,
            "imap": server.imap_port,
            "imaps": server.imaps_port,
        }
        assert len(set(server.ports.values())) == 7
        assert server.api_url == f"http://127.0.0.1:{server.http_port}"
        assert server.host == "127.0.0.1"


def test_binds_127_0_0_1_only_by_default():
    with MailServer(smtps_port=None) as server:
        with socket.create_connection(("127.0.0.1", server.smtp_port)) as sock:
            assert sock.getpeername()[0] == "127.0.0.1"
        # 127.0.0.2 is this machine too (all of 127/8 is loopback), but a socket
        # bound to 127.0.0.1 alone does not answer there; one bound to 0.0.0.0 would.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.2", server.smtp_port), timeout=5).close()


def test_binds_the_host_it_is_given():
    with MailServer(host="127.0.0.2", smtps_port=None) as server:
        with smtplib.SMTP("127.0.0.2", server.smtp_port) as client:
            assert client.noop()[0] == 250
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.smtp_port), timeout=5).close()


def test_stop_leaves_no_thread_socket_or_open_connection(no_new_threads):
    before = set(threading.enumerate())
    server = MailServer().start()
    port, tls_port = server.smtp_port, server.smtps_port
    client = smtplib.SMTP("127.0.0.1", port)
    client.ehlo()
    server.stop()
    # The open connection was closed by the server...
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()
    client.close()
    # ...both listening sockets are gone...
    assert connect_refused(port) and connect_refused(tls_port)
    # ...and so is the loop thread.
    assert set(threading.enumerate()) <= before


def test_stop_during_a_transfer_in_progress(no_new_threads):
    server = MailServer(smtps_port=None).start()
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10) as sock:
        f = sock.makefile("rb")
        f.readline()
        sock.sendall(b"HELO x\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\n")
        for _ in range(4):
            f.readline()
        sock.sendall(b"Subject: unfinished\r\n\r\n")
        server.stop()
        assert f.read() == b""  # closed, not hanging
        f.close()
    assert server.messages == []


def test_restart_after_stop_and_double_start_refused():
    server = MailServer(smtps_port=None)
    with server:
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
    with server:
        with smtplib.SMTP("127.0.0.1", server.smtp_port) as client:
            client.sendmail("a@example.com", ["b@example.com"], b"Subject: again\r\n\r\n.")
        assert server.wait_for(subject="again")


def test_a_port_of_none_turns_a_service_off():
    with MailServer(smtps_port=None) as server:
        assert "smtps" not in server.ports
        with pytest.raises(RuntimeError, match="smtps is off"):
            server.smtps_port


def test_port_in_use_fails_start_cleanly(no_new_threads):
    with MailServer(smtps_port=None) as first:
        taken = first.smtp_port
        second = MailServer(smtp_port=0, smtps_port=taken)
        with pytest.raises(OSError):
            second.start()
        assert not second.running
        assert len(mailtrap_threads() - no_new_threads) == 1  # only the first server's
        # The second server's SMTP socket, bound before the failure, was released.
        assert second.ports == {}


def test_fixed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with MailServer(smtp_port=port, smtps_port=None) as server:
        assert server.smtp_port == port
        with smtplib.SMTP("127.0.0.1", port) as client:
            assert client.noop()[0] == 250


def test_wait_for_timeout_explains_itself():
    with MailServer(smtps_port=None) as server:
        with smtplib.SMTP("127.0.0.1", server.smtp_port) as client:
            client.sendmail("app@example.com", ["bob@example.com"], b"Subject: Hello Bob\r\n\r\n.")
        with pytest.raises(MailTimeout) as raised:
            server.wait_for(to="ann@example.com", subject="Welcome", timeout=0.05)
    text = str(raised.value)
    assert "to == 'ann@example.com' and subject contains 'Welcome'" in text
    assert "1 message(s) arrived" in text
    assert "from app@example.com to bob@example.com: 'Hello Bob'" in text


def test_clear_empties_log_and_mailboxes():
    with MailServer(smtps_port=None) as server:
        with smtplib.SMTP("127.0.0.1", server.smtp_port) as client:
            client.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\n.")
        server.wait_for(subject="x")
        server.clear()
        assert server.messages == []
        assert server.store.accounts == {}


@pytest.mark.asyncio
async def test_async_with_runs_on_the_callers_loop(no_new_threads):
    async with MailServer() as server:
        assert mailtrap_threads() == no_new_threads  # the services run on this loop
        await aiosmtplib.send(
            b"Subject: on my loop\r\n\r\nhi\r\n",
            sender="a@example.com",
            recipients=["b@example.com"],
            hostname="127.0.0.1",
            port=server.smtp_port,
            start_tls=False,
        )
        msg = await server.wait_for_async(subject="on my loop", timeout=5)
        assert msg.recipients == ("b@example.com",)
        # A blocking wait here would deadlock the loop: refused with a pointer.
        with pytest.raises(RuntimeError, match="wait_for_async"):
            server.wait_for(subject="x", timeout=1)
        port = server.smtp_port
    assert connect_refused(port)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


@pytest.mark.asyncio
async def test_wait_for_async_on_another_loop_than_the_servers():
    with MailServer(smtps_port=None) as server:  # loop in its own thread
        waiting = asyncio.ensure_future(server.wait_for_async(to="late@example.com", timeout=10))
        await asyncio.sleep(0)  # let the waiter subscribe
        await aiosmtplib.send(
            b"Subject: late\r\n\r\n.\r\n",
            sender="a@example.com",
            recipients=["late@example.com"],
            hostname="127.0.0.1",
            port=server.smtp_port,
            start_tls=False,
        )
        assert (await waiting).subject == "late"
        with pytest.raises(MailTimeout):
            await server.wait_for_async(to="never@example.com", timeout=0.05)
