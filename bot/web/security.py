"""What every web console request passes through: security headers, one database transaction, who is
signed in (with an idle timeout), CSRF checks on every form, and the access policy on every page.

Sessions live in an encrypted, signed cookie (aiohttp-session's EncryptedCookieStorage: Fernet), HttpOnly,
SameSite=Lax and Secure when the console's public address is https. The cookie holds the person's id, when
they were last seen and the session's CSRF token; the person is read from the database on every request,
so someone who leaves (or loses a role) loses the console at once.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.core import Bot
from storage.audit import record_audit
from storage.db import unit_of_work
from storage.models import Person

log = logging.getLogger("ldbot.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BOT = web.AppKey("bot", Bot)
DB = web.RequestKey("db", AsyncSession)
PERSON = web.RequestKey("person", Person)  # None when nobody is signed in
CSRF = web.RequestKey("csrf", str)
TIMED_OUT = web.RequestKey("timed_out", bool)
REFUSED = web.RequestKey("refused", tuple)  # (person id, act, subject id) of a 403, audited after the rollback
IDLE_SECONDS = web.AppKey("idle_seconds", int)
HTTPS = web.AppKey("https", bool)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _headers(response: web.StreamResponse, https: bool) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if https:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    https = request.app[HTTPS]
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _headers(exc, https)
        raise
    _headers(response, https)
    return response


async def _audit_refusal(bot: Bot, refused: tuple[int, str, int], path: str) -> None:
    """The request's own transaction was rolled back with its 403: the attempt is kept in one of its own."""
    person_id, act, subject_id = refused
    async with unit_of_work(bot.services.sessions) as db:
        record_audit(db, person_id, "access", subject_id, "refused", now=bot.services.now(), act=act,
                     where="web", page=path[:200])


@web.middleware
async def transaction(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One unit of work per request: committed when the answer is a success or a redirect, else rolled back."""
    if request.path.startswith("/admin/static/"):
        return await handler(request)
    bot = request.app[BOT]
    db: AsyncSession = bot.services.sessions()
    try:
        await db.begin()
        request[DB] = db
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            await (db.commit() if exc.status < 400 else db.rollback())
            if exc.status == 403 and request.get(REFUSED):
                await _audit_refusal(bot, request[REFUSED], request.path)
            raise
        except BaseException:
            await db.rollback()
            raise
        await (db.commit() if response.status < 400 else db.rollback())
        return response
    finally:
        await db.close()


@web.middleware
async def signed_in_person(request: web.Request, handler: Handler) -> web.StreamResponse:
    """request[PERSON]: who is signed in (None if nobody, or they were idle too long or have left)."""
    request[PERSON] = None
    request[TIMED_OUT] = False
    if request.path.startswith("/admin/static/"):
        return await handler(request)
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    request[CSRF] = session["csrf"]
    person_id = session.get("person_id")
    if person_id is not None:
        now = request.app[BOT].services.now().timestamp()
        person = await request[DB].get(Person, person_id)
        if now - float(session.get("seen", 0)) > request.app[IDLE_SECONDS]:
            request[TIMED_OUT] = True
            session.pop("person_id", None)
        elif person is None or not person.active:
            session.pop("person_id", None)
        else:
            session["seen"] = now
            request[PERSON] = person
    return await handler(request)


@web.middleware
async def csrf_protect(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every form carries the session's token; a POST without it (or with another) changes nothing."""
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token")
        if sent is None:
            form = await request.post()
            sent = form.get("csrf_token")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, request.get(CSRF, "")):
            log.info("csrf refused path=%s", request.path)
            raise forbidden(request, reason="csrf")
    return await handler(request)


async def start_session(request: web.Request, person: Person) -> None:
    """A new session for a person who has just signed in (never the one an attacker might have planted)."""
    session = await new_session(request)
    session["person_id"] = person.id
    session["seen"] = request.app[BOT].services.now().timestamp()
    session["csrf"] = request[CSRF] = secrets.token_urlsafe(32)
    request[PERSON] = person


def forbidden(request: web.Request, *, reason: str = "not_allowed") -> web.HTTPForbidden:
    body = aiohttp_jinja2.render_string("forbidden.html", request, {"reason": reason, "title": "Not allowed"})
    return web.HTTPForbidden(text=body, content_type="text/html")


async def require(request: web.Request, act: Act, subject: Person | None = None) -> Person:
    """The signed-in person, if the access policy lets them use the console and do `act`; else a redirect
    to sign in (nobody signed in) or 403 (signed in, not allowed)."""
    person = request[PERSON]
    if person is None:
        raise web.HTTPFound("/admin/sign-in" + ("?timed_out=1" if request[TIMED_OUT] else ""))
    db = request[DB]
    if not await access.may(db, person, Act.USE_WEB_CONSOLE) or not await access.may(db, person, act, subject):
        log.warning("web refused person=%s act=%s path=%s", person.id, act, request.path)
        request[REFUSED] = (person.id, str(act), subject.id if subject is not None else 0)
        raise forbidden(request)
    return person
