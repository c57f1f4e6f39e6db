"""Fault rules at run time: list them with their counts, add one, remove them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from mailtrap_py.api.app import context_of
from mailtrap_py.api.schemas import ErrorOut, FaultIn, FaultOut
from mailtrap_py.faults import FaultError, Rule, parse_rule

router = APIRouter(tags=["faults"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such rule."}
}
BAD_RULE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The rule cannot work (the detail says why)."}
}


@router.get("/faults")
async def list_faults(request: Request) -> list[FaultOut]:
    """Every rule in the order they apply, with how often each fired."""
    return [FaultOut(**rule.to_dict()) for rule in context_of(request).faults]


@router.get("/faults/{rule_id}", responses=NOT_FOUND)
async def get_fault(request: Request, rule_id: int) -> FaultOut:
    rule = context_of(request).faults.get(rule_id)
    if rule is None:
        raise HTTPException(404, f"no fault rule {rule_id}")
    return FaultOut(**rule.to_dict())


@router.post("/faults", status_code=201, responses=BAD_RULE)
async def add_fault(request: Request, body: FaultIn) -> FaultOut:
    """Add a rule: `{"spec": "smtp:RCPT:550:bounce@*"}` in the CLI syntax, or the
    fields (`stage`, one of `code`/`delay`/`disconnect`/`throttle`, and optionally
    `match`, `times`, `every`, `probability`, `seed`, `text`)."""
    fields = body.model_dump(exclude_none=True, exclude={"spec"})
    if body.spec is not None:
        if fields:
            raise FaultError("give either spec or the rule's fields, not both")
        rule = parse_rule(body.spec)
    elif body.stage is None:
        raise FaultError("a rule needs a stage (or give spec)")
    else:
        fields.setdefault("disconnect", False)
        rule = Rule(**fields)
    return FaultOut(**context_of(request).faults.add(rule).to_dict())


@router.delete("/faults", status_code=204)
async def clear_faults(request: Request) -> None:
    """Remove every rule."""
    context_of(request).faults.clear()


@router.delete("/faults/{rule_id}", status_code=204, responses=NOT_FOUND)
async def remove_fault(request: Request, rule_id: int) -> None:
    if context_of(request).faults.remove(rule_id) is None:
        raise HTTPException(404, f"no fault rule {rule_id}")
