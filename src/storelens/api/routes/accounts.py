"""Logging in and out, and account management (admins: users and API tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response

from storelens.api.auth import CSRF_COOKIE, SESSION_COOKIE, Admin, Viewer
from storelens.api.csv_route import CsvRoute
from storelens.api.params import Ctx
from storelens.api.schemas import LoginIn, LoginOut, MeOut, NewTokenOut, TokenIn, TokenOut, UserIn, UserOut

router = APIRouter(prefix="/api", tags=["accounts"], route_class=CsvRoute)

UNKNOWN_CLIENT = "unknown"


@router.post(
    "/login",
    response_model=LoginOut,
    summary="Log in: sets the session cookie and returns the CSRF token",
    responses={401: {"description": "Wrong user name or password"}, 429: {"description": "Too many failed logins"}},
)
def login(body: LoginIn, request: Request, response: Response, ctx: Ctx) -> LoginOut:
    # The address as the server saw it, or as a trusted proxy said (api.trusted_proxies); clipped to
    # the column's width, since a proxy may pass on whatever its client claimed.
    client = (request.client.host if request.client else UNKNOWN_CLIENT)[:64]
    wait_s = ctx.throttle.admit(body.username, client)
    if wait_s:
        raise HTTPException(
            429, f"too many failed logins: try again in {wait_s} s", headers={"Retry-After": str(wait_s)}
        )
    user = ctx.accounts.check_password(body.username, body.password)
    if user is None:
        raise HTTPException(401, "wrong user name or password")
    ctx.throttle.succeeded(body.username, client)
    session = ctx.accounts.open_session(user, ctx.settings.session_ttl_s)
    secure = ctx.settings.secure_cookies or request.url.scheme == "https"
    max_age = int(ctx.settings.session_ttl_s)
    for name, value, http_only in (
        (SESSION_COOKIE, session.session_id, True),
        (CSRF_COOKIE, session.csrf_token, False),
    ):
        response.set_cookie(
            name, value, max_age=max_age, path="/", secure=secure, httponly=http_only, samesite="strict"
        )
    return LoginOut(user=user.name, role=user.role, csrf_token=session.csrf_token, expires_at=session.expires)


@router.post("/logout", status_code=204, summary="End the browser session")
def logout(who: Viewer, ctx: Ctx, response: Response) -> None:
    if who.session_id is not None:
        ctx.accounts.close_session(who.session_id)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", samesite="strict")


@router.get("/me", response_model=MeOut, summary="Who is logged in")
def me(who: Viewer) -> MeOut:
    return MeOut(user=who.user.name, role=who.user.role, auth=who.via)


@router.get("/users", response_model=list[UserOut], summary="Users (admin)")
def list_users(_: Admin, ctx: Ctx) -> list[UserOut]:
    return [UserOut(name=u.name, role=u.role, created=u.created) for u in ctx.accounts.users()]


@router.post("/users", response_model=UserOut, status_code=201, summary="Add a user (admin)")
def add_user(body: UserIn, _: Admin, ctx: Ctx) -> UserOut:
    user = ctx.accounts.add_user(body.name, body.role, body.password)
    return UserOut(name=user.name, role=user.role, created=user.created)


@router.delete("/users/{name}", status_code=204, summary="Delete a user with their tokens and sessions (admin)")
def delete_user(name: Annotated[str, Path(max_length=64)], who: Admin, ctx: Ctx) -> None:
    if name == who.user.name:
        raise HTTPException(409, "you cannot delete your own account")
    ctx.accounts.delete_user(name)


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens, without their secrets (admin)")
def list_tokens(_: Admin, ctx: Ctx) -> list[TokenOut]:
    return [
        TokenOut(id=t.id, name=t.name, user=t.user, created=t.created, scope=t.scope) for t in ctx.accounts.tokens()
    ]


@router.post("/tokens", response_model=NewTokenOut, status_code=201, summary="Create an API token, shown once (admin)")
def create_token(body: TokenIn, _: Admin, ctx: Ctx) -> NewTokenOut:
    record, token = ctx.accounts.create_token(body.user, body.name, body.scope)
    return NewTokenOut(
        id=record.id, name=record.name, user=record.user, created=record.created, scope=record.scope, token=token
    )


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token (admin)")
def revoke_token(token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], _: Admin, ctx: Ctx) -> None:
    ctx.accounts.revoke_token(token_id)
