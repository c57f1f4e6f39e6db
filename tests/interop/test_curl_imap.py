"""curl's IMAP client: LIST, FETCH by UID, SEARCH, EXAMINE, APPEND, STORE and
EXPUNGE, plain, STARTTLS and IMAPS.

curl writes a fetched message to stdout as the server sent it: the right client
to prove FETCH BODY[] is exact. `--verbose` puts the IMAP dialogue on stderr,
which the failure messages show.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .imap_helpers import Target, server_under_test, transcript, tricky

pytestmark = pytest.mark.interop

Run = Callable[..., subprocess.CompletedProcess[str]]

FOLDERS = {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Target:
    return server_under_test(request)


def curl_imap(curl: str, server: Target, url: str, *args: str) -> list[str]:
    argv = [curl, "--silent", "--show-error", "--verbose", "--max-time", "20"]
    return [*argv, "--user", f"{server.user}:{server.password}", url, *args]


def fetch(argv: list[str]) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    result = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result, result.stdout


def ok(run: Run, argv: list[str]) -> subprocess.CompletedProcess[str]:
    result = run(*argv)
    assert result.returncode == 0, transcript(result)
    return result


def test_list_shows_the_folders_with_their_special_use(curl, run: Run, server: Target):
    server.deliver(tricky("list"))  # the account exists from its first delivery
    result = ok(run, curl_imap(curl, server, server.url()))
    lines = result.stdout.splitlines()
    names = {line.rsplit(" ", 1)[1].strip('"') for line in lines}
    assert names >= FOLDERS, transcript(result)
    assert all(line.startswith("* LIST (") and ' "/" ' in line for line in lines)
    sent = next(line for line in lines if line.rstrip('"').endswith("Sent"))
    assert "\\Sent" in sent, transcript(result)


def test_fetch_by_uid_is_byte_exact(curl, server: Target):
    first, second = tricky("one"), tricky("two-longer")
    server.deliver(first)
    server.deliver(second)
    uids = [m.uid for m in server.folder()]
    result, body = fetch(curl_imap(curl, server, server.url(f"INBOX;UID={uids[1]}")))
    assert body == second
    assert f"UID FETCH {uids[1]} BODY[]" in result.stderr.decode()
    # By sequence number, and one section of it.
    _, body = fetch(curl_imap(curl, server, server.url("INBOX;MAILINDEX=1")))
    assert body == first
    _, header = fetch(curl_imap(curl, server, server.url(f"INBOX;UID={uids[0]};SECTION=HEADER")))
    assert header == first[: first.index(b"\r\n\r\n") + 4]
    # Fetching leaves \Seen behind (BODY[], not BODY.PEEK[]).
    flags = {m.uid: m.flags for m in server.folder()}
    assert "\\Seen" in flags[uids[0]]
    assert "\\Seen" in flags[uids[1]]


def test_fetch_of_a_missing_uid_fails(curl, run: Run, server: Target):
    server.deliver(tricky("only"))
    result = run(*curl_imap(curl, server, server.url("INBOX;UID=77")))
    # 78: CURLE_REMOTE_FILE_NOT_FOUND (no FETCH response came back).
    assert result.returncode == 78, transcript(result)
    assert result.stdout == ""


def test_search(curl, run: Run, server: Target):
    for subject in ("apples", "pears", "more apples"):
        server.deliver(tricky(subject))
    result = ok(run, curl_imap(curl, server, server.url("INBOX"), "-X", "SEARCH SUBJECT apples"))
    assert result.stdout.splitlines() == ["* SEARCH 1 3"], transcript(result)
    # The same from the URL's query part (RFC 5092).
    result = ok(run, curl_imap(curl, server, server.url("INBOX?SUBJECT%20pears")))
    assert result.stdout.splitlines() == ["* SEARCH 2"], transcript(result)
    assert "SEARCH SUBJECT pears" in result.stderr


def test_examine_reports_the_folder_and_changes_nothing(curl, run: Run, server: Target):
    server.deliver(tricky("a"))
    server.deliver(tricky("b"))
    result = ok(run, curl_imap(curl, server, server.url(), "-X", "EXAMINE INBOX"))
    lines = result.stdout.splitlines()
    assert "* 2 EXISTS" in lines, transcript(result)
    assert any(line.startswith("* OK [UIDVALIDITY ") for line in lines), transcript(result)
    assert any(line.startswith("* OK [UIDNEXT ") for line in lines), transcript(result)
    assert any(line.startswith("* FLAGS (") for line in lines), transcript(result)
    assert "[READ-ONLY]" in result.stderr, transcript(result)
    assert all("\\Seen" not in m.flags for m in server.folder())


def test_upload_appends_the_file(curl, run: Run, server: Target, tmp_path: Path):
    server.deliver(tricky("there-before"))
    upload = tmp_path / "upload.eml"
    upload.write_bytes(tricky("uploaded"))
    result = ok(run, curl_imap(curl, server, server.url("INBOX"), "-T", str(upload)))
    assert "APPEND INBOX" in result.stderr, transcript(result)
    assert server.raws() == [tricky("there-before"), tricky("uploaded")]
    # Into another folder too.
    ok(run, curl_imap(curl, server, server.url("Drafts"), "-T", str(upload)))
    assert server.raws("Drafts") == [tricky("uploaded")]


def test_store_and_expunge(curl, run: Run, server: Target):
    keep, doomed = tricky("keep"), tricky("doomed")
    server.deliver(doomed)
    server.deliver(keep)
    uid = server.folder()[0].uid
    result = ok(
        run,
        curl_imap(curl, server, server.url("INBOX"), "-X", f"UID STORE {uid} +FLAGS (\\Deleted)"),
    )
    [line] = result.stdout.splitlines()
    assert line.startswith("* 1 FETCH (") and f"UID {uid}" in line, transcript(result)
    assert "\\Deleted" in line, transcript(result)
    assert [m.flags for m in server.folder()] == [frozenset({"\\Deleted"}), frozenset()]
    result = ok(run, curl_imap(curl, server, server.url("INBOX"), "-X", "EXPUNGE"))
    assert "* 1 EXPUNGE" in result.stdout.splitlines(), transcript(result)
    assert server.raws() == [keep]


def test_starttls_required_and_verified(curl, server: Target):
    raw = tricky("starttls")
    server.deliver(raw)
    uid = server.folder()[0].uid
    argv = curl_imap(
        curl, server, server.url(f"INBOX;UID={uid}"), "--ssl-reqd", "--cacert", str(server.ca_path)
    )
    result, body = fetch(argv)
    assert body == raw
    stderr = result.stderr.decode()
    assert "STARTTLS" in stderr
    assert "SSL certificate verify ok" in stderr


def test_starttls_without_the_ca_is_refused_by_curl(curl, run: Run, server: Target):
    result = run(*curl_imap(curl, server, server.url(), "--ssl-reqd"))
    assert result.returncode == 60, transcript(result)  # CURLE_PEER_FAILED_VERIFICATION


def test_imaps_verified(curl, server: Target):
    raw = tricky("imaps")
    server.deliver(raw)
    uid = server.folder()[0].uid
    url = server.url(f"INBOX;UID={uid}", scheme="imaps")
    result, body = fetch(curl_imap(curl, server, url, "--cacert", str(server.ca_path)))
    assert body == raw
    assert "SSL certificate verify ok" in result.stderr.decode()


@pytest.mark.mailtrap(users={"ann@example.com": "secret"}, strict=True)
def test_a_declared_user_needs_the_password(curl, run: Run, mailtrap):
    # Only a declared user's password can be wrong: mailtrap-py only.
    if os.environ.get("IMAP_INTEROP_SERVER", "mailtrap") != "mailtrap":
        pytest.skip("mailtrap-py's declared users")
    url = f"imap://{mailtrap.host}:{mailtrap.imap_port}/"
    argv = [curl, "--silent", "--show-error", "--verbose", "--max-time", "20"]
    # curl picks (SASL PLAIN, sent with SASL-IR), or is made to use one mechanism.
    for login in ([], ["--login-options", "AUTH=PLAIN"], ["--login-options", "AUTH=LOGIN"]):
        bad = run(*argv, *login, "--user", "ann@example.com:wrong", url)
        assert bad.returncode == 67, transcript(bad)  # CURLE_LOGIN_DENIED
        assert "NO [AUTHENTICATIONFAILED]" in bad.stderr, transcript(bad)
        good = run(*argv, *login, "--user", "ann@example.com:secret", url)
        assert good.returncode == 0, transcript(good)
        assert "INBOX" in good.stdout, transcript(good)


def test_copy_and_move_between_folders(curl, run: Run, server: Target):
    copied, moved = tricky("copied"), tricky("moved")
    server.deliver(copied)
    server.deliver(moved)
    uids = [m.uid for m in server.folder()]
    inbox = server.url("INBOX")
    result = ok(run, curl_imap(curl, server, inbox, "-X", f"UID COPY {uids[0]} Archive"))
    assert "COPYUID" in result.stderr, transcript(result)  # UIDPLUS (RFC 4315)
    result = ok(run, curl_imap(curl, server, inbox, "-X", f"UID MOVE {uids[1]} Trash"))
    assert "* 2 EXPUNGE" in result.stdout.splitlines(), transcript(result)
    assert server.raws() == [copied]
    assert server.raws("Archive") == [copied]
    assert server.raws("Trash") == [moved]
