"""Accounts: who has a mailbox, their folders, and declared users (strict logins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from mailtrap_py.api.app import context_of
from mailtrap_py.api.schemas import AccountOut, ErrorOut, FolderOut, NewAccount
from mailtrap_py.store import Account, Store

router = APIRouter(tags=["accounts"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such account."}
}


def _out(store: Store, account: Account) -> AccountOut:
    with store.lock:
        folders = [
            FolderOut(
                name=folder.name,
                uidvalidity=folder.uidvalidity,
                uidnext=folder.uidnext,
                messages=len(folder.entries),
                unseen=sum(1 for e in folder.entries if "\\Seen" not in e.flags),
            )
            for folder in account.folders.values()
        ]
        return AccountOut(
            address=account.address, declared=account.password is not None, folders=folders
        )


@router.get("/accounts")
async def list_accounts(request: Request) -> list[AccountOut]:
    """Every account: recipients seen so far, and declared users."""
    store = context_of(request).store
    with store.lock:
        accounts = list(store.accounts.values())
    return [_out(store, a) for a in sorted(accounts, key=lambda a: a.address)]


@router.get("/accounts/{address}", responses=NOT_FOUND)
async def get_account(request: Request, address: str) -> AccountOut:
    store = context_of(request).store
    account = store.account(address, create=False)
    if account is None:
        raise HTTPException(404, f"no account {address!r}")
    return _out(store, account)


@router.post(
    "/accounts",
    status_code=201,
    responses={400: {"model": ErrorOut, "description": "The body is not JSON."}},
)
async def declare_account(request: Request, body: NewAccount) -> AccountOut:
    """Declare a user with a password: from now on that user must give it (and, on a
    strict server, only declared users may log in)."""
    store = context_of(request).store
    return _out(store, store.declare_user(body.address, body.password))


@router.delete("/accounts/{address}", status_code=204, responses=NOT_FOUND)
async def remove_account(request: Request, address: str) -> None:
    """Forget an account: its declared password and its mailboxes."""
    if not context_of(request).store.remove_user(address):
        raise HTTPException(404, f"no account {address!r}")
