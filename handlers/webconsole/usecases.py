"""One-time sign-in links to the web console: single use, ten minutes, bound to one person.

The token travels only in the link; the database keeps its SHA-256 digest, so reading the table does not
let anyone sign in. Using a link marks it used in the same statement that checks it, so two clicks (or two
server processes) can never both sign in with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result
from storage.audit import record_audit
from storage.models import Person, PlatformIdentity
from storage.models.web import WebSignInLink
from storage.org_import import person_by_email

LINK_MINUTES = 10
SIGN_IN_PATH = "/admin/sign-in/"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class LinkIssued(Result):
    url: str
    expires_at: datetime
    minutes: int
    # Whether the person may use the console: a link for someone who may not only leads to "not allowed".
    allowed: bool


async def issue_link(
    db: AsyncSession, actor: Person | None, at: Moment, *, subject: Person, base_url: str, via: str
) -> LinkIssued:
    """A link for `subject`. In chat the actor asks for their own (and must be allowed the console); the
    command line's operator (`actor` None) may print one for anyone active, for first set-up."""
    if actor is not None and (actor.id != subject.id or not await access.may(db, actor, Act.USE_WEB_CONSOLE)):
        raise Refused("not_allowed")
    if not subject.active:
        raise Refused("not_found")
    token = secrets.token_hex(24)  # 192 bits; hex, so no platform's markup can bend the link (Teams escapes "_")
    link = WebSignInLink(token_digest=digest(token), person_id=subject.id, created_at=at.now,
                         expires_at=at.now + timedelta(minutes=LINK_MINUTES), issued_via=via)
    db.add(link)
    await db.flush()
    record_audit(db, actor.id if actor else None, "web_sign_in_link", link.id, "issue", now=at.now,
                 person=subject.id, via=via)
    allowed = await access.may(db, subject, Act.USE_WEB_CONSOLE)
    return LinkIssued(base_url.rstrip("/") + SIGN_IN_PATH + token, link.expires_at, LINK_MINUTES, allowed)


@dataclass
class SignedIn(Result):
    person: Person


async def use_link(db: AsyncSession, at: Moment, *, token: str) -> SignedIn:
    """The person a link signs in, marking it used; Refused("expired") for an unknown, used or old link
    (one reason for all three: a guess learns nothing)."""
    if not token or len(token) > 200:
        raise Refused("expired")
    marked = await db.execute(
        update(WebSignInLink)
        .where(WebSignInLink.token_digest == digest(token), WebSignInLink.used_at.is_(None),
               WebSignInLink.expires_at > at.now)
        .values(used_at=at.now)
        .returning(WebSignInLink.id, WebSignInLink.person_id)
    )
    row = marked.first()
    if row is None:
        raise Refused("expired")
    link_id, person_id = row
    person = await db.scalar(select(Person).where(Person.id == person_id))
    if person is None or not person.active:
        raise Refused("expired")
    record_audit(db, person.id, "person", person.id, "web_sign_in", now=at.now, method="link", link=link_id)
    return SignedIn(person)


# Which chat platform's account ids a provider's subject is: an Entra object id is how Teams (and the
# people import's teams_user_id) names a person; Sign in with Slack gives the Slack user id.
PROVIDER_PLATFORM = {"entra": "teams", "slack": "slack"}


async def sign_in_with_provider(
    db: AsyncSession, at: Moment, *, provider: str, subject: str, email: str | None
) -> SignedIn:
    """The person a single sign-on answer names: by their linked account id, else by email (then linked) —
    but an email never claims a person already linked to another account on that platform (the "nOAuth"
    pattern: the address is something the account's owner may be able to set).

    Refused("unknown") when it matches nobody active; the web console says so without saying who exists.
    """
    platform = PROVIDER_PLATFORM[provider]
    person = await db.scalar(
        select(Person)
        .join(PlatformIdentity, PlatformIdentity.person_id == Person.id)
        .where(PlatformIdentity.platform == platform, PlatformIdentity.platform_user_id == subject)
    )
    if person is None and email:
        person = await person_by_email(db, email)
        if person is not None and person.active:
            elsewhere = await db.scalar(select(PlatformIdentity.id).where(
                PlatformIdentity.platform == platform, PlatformIdentity.person_id == person.id))
            if elsewhere is not None:
                record_audit(db, None, "identity", 0, "refused", now=at.now, platform=f"web:{provider}",
                             platform_user_id=subject, organisation="",
                             reason="email of a person linked to another account")
                raise Refused("unknown")
            db.add(PlatformIdentity(platform=platform, platform_user_id=subject, person_id=person.id))
            await db.flush()
    if person is None or not person.active:
        raise Refused("unknown")
    record_audit(db, person.id, "person", person.id, "web_sign_in", now=at.now, method=provider)
    return SignedIn(person)
