"""Signing in and out: a one-time link from chat or `ldbot admin link`, or single sign-on (Entra ID, Slack).

Opening a link shows a page with a button; only pressing it uses the link. Chat apps and mail scanners
fetch links to preview them, and a GET that signed people in would be used up (or used) by them.
"""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.core import Bot
from bot.usecase import Refused
from bot.web import security
from bot.web.oidc import OidcClient, SignInFailed
from bot.web.settings import WebSettings
from handlers.webconsole import usecases as uc

log = logging.getLogger("ldbot.web.auth")
OIDC = web.AppKey("oidc", dict)


def add_routes(admin: web.Application, bot: Bot, settings: WebSettings) -> None:
    base = bot.services.settings.public_base_url
    admin[OIDC] = {p.name: OidcClient(p, f"{base}/admin/sign-in/{p.name}/callback") for p in settings.providers()}
    admin.router.add_get("/sign-in", sign_in_page)
    admin.router.add_post("/sign-out", sign_out)
    for name in admin[OIDC]:
        admin.router.add_get(f"/sign-in/{name}/start", sso_start)
        admin.router.add_get(f"/sign-in/{name}/callback", sso_callback)
    admin.router.add_get("/sign-in/{token}", link_page)
    admin.router.add_post("/sign-in/{token}", link_use)


def _providers(request: web.Request) -> list[dict[str, str]]:
    return [{"name": name, "label": client.provider.label} for name, client in request.app[OIDC].items()]


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if request[security.PERSON] is not None:
        raise web.HTTPFound("/admin/")
    return aiohttp_jinja2.render_template("sign_in.html", request, {
        "title": "Sign in", "providers": _providers(request), "problem": request.query.get("problem", ""),
        "timed_out": bool(request.query.get("timed_out")),
    })


async def link_page(request: web.Request) -> web.StreamResponse:
    return aiohttp_jinja2.render_template("sign_in_link.html", request, {
        "title": "Sign in", "token": request.match_info["token"],
    })


async def link_use(request: web.Request) -> web.StreamResponse:
    db, at = request[security.DB], request.app[security.BOT].services.at()
    try:
        signed = await uc.use_link(db, at, token=request.match_info["token"])
    except Refused:
        log.info("web sign-in link refused")
        return aiohttp_jinja2.render_template("sign_in.html", request, {
            "title": "Sign in", "providers": _providers(request), "problem": "link", "timed_out": False,
        }, status=400)
    await security.start_session(request, signed.person)
    log.info("web signed in person=%s method=link", signed.person.id)
    raise web.HTTPFound("/admin/")


async def sso_start(request: web.Request) -> web.StreamResponse:
    client: OidcClient = request.app[OIDC][request.path.split("/")[-2]]
    try:
        url, pending = await client.start()
    except Exception as exc:  # the provider could not be reached or answered nonsense
        log.warning("sso start failed provider=%s error=%s", client.provider.name, type(exc).__name__)
        raise web.HTTPFound("/admin/sign-in?problem=sso") from None
    session = await get_session(request)
    session["oidc"] = pending
    raise web.HTTPFound(url)


async def sso_callback(request: web.Request) -> web.StreamResponse:
    client: OidcClient = request.app[OIDC][request.path.split("/")[-2]]
    session = await get_session(request)
    pending = session.pop("oidc", None) or {}
    if "error" in request.query:
        log.info("sso declined provider=%s error=%s", client.provider.name, request.query.get("error", "")[:60])
        raise web.HTTPFound("/admin/sign-in?problem=sso")
    try:
        identity = await client.finish(pending, code=request.query.get("code", ""),
                                       state=request.query.get("state", ""))
        signed = await uc.sign_in_with_provider(request[security.DB], request.app[security.BOT].services.at(),
                                                provider=identity.provider, subject=identity.subject,
                                                email=identity.email)
    except SignInFailed as exc:
        log.warning("sso refused: %s", exc)
        raise web.HTTPFound("/admin/sign-in?problem=sso") from None
    except Refused:
        log.info("sso matched nobody provider=%s", client.provider.name)
        raise web.HTTPFound("/admin/sign-in?problem=unknown") from None
    await security.start_session(request, signed.person)
    log.info("web signed in person=%s method=%s", signed.person.id, identity.provider)
    raise web.HTTPFound("/admin/")


async def sign_out(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPFound("/admin/sign-in?signed_out=1")
