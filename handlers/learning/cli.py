"""`ldbot learning ...`: the L&D team's opportunities from the terminal (the same use cases as the chat).

The command line's operator has the database, so acts with L&D's permissions (the use cases' `actor`
None). Names, options and JSON keys follow issue 12's contract; `progress` is an addition.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.runtime import Runtime
from bot.services import Services
from bot.usecase import Refused, run_use_case
from handlers.learning import attendance as att
from handlers.learning import bookings, broadcasts, opportunities, reports
from handlers.learning.config import config_for
from handlers.learning.spec import SpecProblems, load_spec
from handlers.learning.times import TimeProblem, parse_local
from storage.tabular import TableError, read_table

ATTENDED_WORDS = {"attended", "yes", "y", "present", "1", "true", "attended it"}
NO_SHOW_WORDS = {"no_show", "no-show", "no show", "noshow", "no", "n", "absent", "0", "false", "dna"}


def _say_refused(refused: Refused) -> click.ClickException:
    d = refused.detail
    texts = {
        "not_allowed": "not allowed",
        "no_opportunity": f"no learning opportunity {d.get('number')} (see: ldbot learning list)",
        "no_session": f"opportunity {d.get('number')} has no session {d.get('session')}",
        "which_session": f"opportunity {d.get('number')} has {d.get('count')} sessions: give --session N",
        "no_person": f"nobody active with the email {d.get('email')} in the organisation",
        "opportunity_cancelled": f"'{d.get('title')}' has been cancelled",
        "session_cancelled": f"session {d.get('session')} of '{d.get('title')}' has been cancelled",
        "closed": f"bookings for session {d.get('session')} of '{d.get('title')}' closed at {d.get('time')} on "
                  f"{d.get('date')}",
        "already": f"{d.get('name')} is already on '{d.get('title')}' ({str(d.get('status', '')).replace('_', ' ')}"
                   + (f", number {d.get('position')}" if d.get("position") else "") + ")",
        "other_session": f"{d.get('name')} is already on session {d.get('session')} of '{d.get('title')}': "
                         "remove them from it first",
        "not_booked": f"{d.get('name')} is not on '{d.get('title')}'",
        "started": f"session {d.get('session')} of '{d.get('title')}' has started",
        "no_audience": f"'{d.get('title')}' has no audience yet (add one to its file, or in chat: audience "
                       f"{d.get('number')})",
        "nothing_to_book": f"'{d.get('title')}' has no session still open for booking",
        "no_link": f"'{d.get('title')}' is e-learning with no link",
        "past_send": "--at is in the past",
        "not_started": f"session {d.get('session')} of '{d.get('title')}' has not happened yet",
        "below_held": f"{d.get('held')} places are taken; capacity cannot go below that",
    }
    if refused.reason == "invalid":
        for problem in d.get("problems", []):
            click.echo(problem, err=True)
        return click.ClickException(f"{len(d.get('problems', []))} problem(s) found; nothing was changed.")
    return click.ClickException(texts.get(refused.reason, refused.reason.replace("_", " ")))


def _run(runtime: Runtime, fn, **kwargs: Any):  # noqa: ANN001, ANN202 - a use case and its result
    """One use case in its own transaction (its notices queued with it), as the operator."""

    async def job(services: Services):  # noqa: ANN202
        wanted = dict(kwargs)
        if wanted.pop("_config", False):
            wanted["config"] = config_for(services)
        try:
            return await run_use_case(services, fn, None, **wanted), services
        except Refused as refused:
            return refused, services

    result, services = runtime.run(job)
    if isinstance(result, Refused):
        raise _say_refused(result)
    return result, services


def _tz(runtime: Runtime) -> ZoneInfo:
    return ZoneInfo(runtime.settings().timezone)


def _uk(day: str) -> str:
    from_iso = day[:10]
    if not from_iso:
        return ""
    year, month, number = from_iso.split("-")
    months = ("January February March April May June July August September October November December").split()
    return f"{int(number)} {months[int(month) - 1]} {year}"


@click.group("learning")
def learning_group() -> None:
    """Learning opportunities: add, send to an audience, bookings, attendance, reports."""


@learning_group.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def add_command(runtime: Runtime, path: Path) -> None:
    """Add an opportunity from a YAML or JSON file; prints its id (see the README for the format)."""
    tz = _tz(runtime)
    try:
        spec = load_spec(path, tz=tz, now=runtime.clock())
    except SpecProblems as exc:
        for problem in exc.problems:
            click.echo(f"{path.name}: {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) found; nothing was added.") from None
    saved, _ = _run(runtime, opportunities.create_opportunity, spec=spec)
    click.echo(saved.opportunity.id)


def _session_json(session: Any, tz: ZoneInfo) -> dict[str, Any]:
    start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    return {"id": session.number, "start": f"{start:%Y-%m-%d %H:%M}", "end": f"{end:%Y-%m-%d %H:%M}",
            "venue": session.venue, "online_link": session.online_link, "capacity": session.capacity,
            "status": session.status}


@learning_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def list_command(runtime: Runtime, as_json: bool) -> None:
    """Every opportunity, newest first, with how many were invited, hold a place and wait."""
    tz = _tz(runtime)
    listing, services = _run(runtime, opportunities.list_opportunities, include_past=True)
    now = runtime.clock()
    rows = []
    for row in listing.rows:
        o = row.opportunity
        ended = bool(o.sessions) and all(s.ends_at <= now for s in o.sessions)
        rows.append({
            "id": o.id, "title": o.title, "kind": o.kind,
            "status": "cancelled" if o.status == "cancelled" else ("past" if ended else "open"),
            "competences": [c.code for c in o.competences], "approval": o.approval,
            "sessions": [_session_json(s, tz) for s in o.sessions],
            "invited": row.invited, "booked": row.booked, "waitlisted": row.waiting,
        })
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No learning opportunities yet (add one: ldbot learning add FILE.yaml).")
        return
    for r in rows:
        sessions = ", ".join(f"{s['start']} ({s['capacity']} places)" for s in r["sessions"]) or "no sessions"
        click.echo(f"{r['id']}  {r['title']}  [{r['kind']}, {r['status']}]  {sessions}; invited {r['invited']}, "
                   f"booked {r['booked']}, waitlisted {r['waitlisted']}")


@learning_group.command("audience")
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: count and people (email, name, why).")
@click.pass_obj
def audience_command(runtime: Runtime, opportunity_id: int, as_json: bool) -> None:
    """Who would be invited, and why (nothing is sent)."""
    preview, services = _run(runtime, broadcasts.preview, opportunity_id=opportunity_id, _config=True)
    catalogue = services.catalogue
    people = [
        {"email": m.person.email, "name": m.person.name,
         "why": [str(catalogue.render("learning.reason", r)) for r in m.reasons],
         "invited_before": m.person.id in preview.invited_before}
        for m in preview.members
    ]
    if as_json:
        click.echo(json.dumps({"id": opportunity_id, "count": len(people), "new": len(preview.new),
                               "people": people}, indent=2))
        return
    if not preview.opportunity.audience:
        click.echo(f"'{preview.opportunity.title}' has no audience yet.")
        return
    click.echo(f"{len(people)} people in the audience of '{preview.opportunity.title}' "
               f"({len(preview.new)} not invited yet):")
    for p in people:
        before = " (invited before)" if p["invited_before"] else ""
        click.echo(f"- {p['name']} <{p['email']}>: {'; '.join(p['why']) or 'named'}{before}")


@learning_group.command("send")
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--at", "at_text", metavar='"YYYY-MM-DD HH:MM"', help="When to send (UK time); now if left out.")
@click.pass_obj
def send_command(runtime: Runtime, opportunity_id: int, at_text: str | None) -> None:
    """Invite the audience (each person once); messages arrive in their working hours."""
    tz = _tz(runtime)
    start = None
    if at_text:
        try:
            start = parse_local(at_text, tz, runtime.clock().astimezone(tz).date())
        except TimeProblem:
            raise click.BadParameter(f"not a date and time: {at_text!r} (use \"2026-12-07 09:00\", UK time)",
                                     param_hint="--at") from None
    sent, _ = _run(runtime, broadcasts.send, opportunity_id=opportunity_id, deliver_from=start, _config=True)
    when = sent.deliver_from.astimezone(tz)
    moment = "now" if start is None else f"from {when:%H:%M} on {_uk(when.date().isoformat())}"
    before = f" ({sent.already} of the audience were invited before)" if sent.already else ""
    click.echo(f"Invited {sent.invited} of {sent.audience} people to '{sent.opportunity.title}'{before}; "
               f"messages go out {moment}, in each person's working hours.")
    click.echo(f"Progress: ldbot learning progress {opportunity_id}")


@learning_group.command("progress")
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def progress_command(runtime: Runtime, opportunity_id: int, as_json: bool) -> None:
    """How the invitations are going: queued, scheduled, delivered, unreachable (and why)."""
    result, _ = _run(runtime, broadcasts.progress, opportunity_id=opportunity_id)
    data = {
        "invited": result.invited, "queued": result.queued, "scheduled": result.scheduled,
        "delivered": result.delivered, "cancelled": result.cancelled,
        "unreachable": [{"email": u.person.email, "why": u.why} for u in result.unreachable],
        "not_for_me": result.not_for_me, "signed_up": result.signed_up,
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"'{result.opportunity.title}': invited {result.invited}; delivered {result.delivered}, queued "
               f"{result.queued}, waiting for working hours or the chosen time {result.scheduled}, unreachable "
               f"{len(result.unreachable)}, withdrawn {result.cancelled}; signed up {result.signed_up}, not for "
               f"them {result.not_for_me}")
    for u in result.unreachable:
        click.echo(f"- unreachable: {u.person.email}: {u.why}")


def _placed_json(placed: bookings.Placed, email: str) -> dict[str, Any]:
    return {"opportunity": placed.opportunity.id, "session": placed.session.number if placed.session else None,
            "user": email, "status": placed.status, "position": placed.position}


@learning_group.command("book")
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--session", "session_number", type=int, metavar="N", help="The session's number (1, 2, ...).")
@click.option("--user", "email", required=True, metavar="EMAIL", help="Who to book.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: status and waitlist position.")
@click.pass_obj
def book_command(runtime: Runtime, opportunity_id: int, session_number: int | None, email: str, as_json: bool) -> None:
    """Book someone on a session, by the same rules as their own click (a full session: the waitlist)."""
    placed, _ = _run(runtime, bookings.book_for, opportunity_id=opportunity_id, session_number=session_number,
                     email=email, _config=True)
    if as_json:
        click.echo(json.dumps(_placed_json(placed, placed.person.email)))
        return
    where = f"session {placed.session.number} of " if placed.session else ""
    state = {
        "confirmed": "confirmed",
        "waitlisted": f"waitlisted (number {placed.position})",
        "pending_approval": "seat held until " + (", ".join(a.name for a in placed.approvers) or "L&D") + " approves",
    }[placed.status]
    click.echo(f"{placed.person.name} on {where}'{placed.opportunity.title}': {state}.")


@learning_group.command("cancel")
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--session", "session_number", type=int, metavar="N", help="The session's number (1, 2, ...).")
@click.option("--user", "email", required=True, metavar="EMAIL", help="Who to take off it.")
@click.pass_obj
def cancel_command(runtime: Runtime, opportunity_id: int, session_number: int | None, email: str) -> None:
    """Take someone off a session (booked, offered, waiting or awaiting approval); a freed seat is offered on."""
    released, _ = _run(runtime, bookings.remove_for, opportunity_id=opportunity_id, session_number=session_number,
                       email=email, _config=True)
    where = f"session {released.session.number} of " if released.session else ""
    offered = sum(1 for n in released.notices if n.template == "learning.offer")
    click.echo(f"Removed {released.person.name} from {where}'{released.opportunity.title}'"
               + ("; the seat is offered to the next person waiting" if offered else "") + ".")


@learning_group.command("signups")
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: sessions with their lists.")
@click.pass_obj
def signups_command(runtime: Runtime, opportunity_id: int, as_json: bool) -> None:
    """Who holds a place, is offered one, waits (in order) or awaits approval, per session."""
    result, _ = _run(runtime, bookings.signups, opportunity_id=opportunity_id)
    sessions = [
        {"id": s.session.number, "capacity": s.session.capacity,
         "confirmed": [p.email for p in s.confirmed], "waitlist": [p.email for p in s.waitlist],
         "offered": [p.email for p, _ in s.offered], "pending_approval": [p.email for p in s.pending_approval],
         "status": s.session.status}
        for s in result.sessions
    ]
    if as_json:
        data: dict[str, Any] = {"sessions": sessions}
        if result.opportunity.is_elearning and not result.opportunity.sessions:
            data["enrolled"] = [p.email for p in result.enrolled]
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"'{result.opportunity.title}'")
    for s in sessions:
        click.echo(f"Session {s['id']} ({s['capacity']} places, {len(s['confirmed'])} confirmed):")
        for label, key in (("confirmed", "confirmed"), ("offered", "offered"),
                           ("awaiting approval", "pending_approval"), ("waitlist", "waitlist")):
            if s[key]:
                click.echo(f"  {label}: {', '.join(s[key])}")
    if result.enrolled:
        click.echo(f"Enrolled: {', '.join(p.email for p in result.enrolled)}")


def _attendance_marks(tokens: tuple[str, ...]) -> tuple[dict[str, str], Path | None]:
    """`FILE.csv`, `--attended a@x b@x`, `--no-show c@x` (or `--attended=a@x`, repeated flags) in any mix."""
    marks: dict[str, str] = {}
    path: Path | None = None
    mode: str | None = None
    for token in tokens:
        name, sep, value = token.partition("=")
        if name in ("--attended", "--no-show", "--no_show", "--noshow"):
            mode = "attended" if name == "--attended" else "no_show"
            if sep and value:
                marks[value.strip()] = mode
            continue
        if token.startswith("--"):
            raise click.UsageError(f"no such option: {token} (use --session, --attended, --no-show)")
        if mode is None:
            if path is not None:
                raise click.UsageError(f"give one attendance file, not {path} and {token}")
            path = Path(token)
            continue
        marks[token.strip()] = mode
    return marks, path


def _marks_from_file(path: Path) -> dict[str, str]:
    try:
        table = read_table(path)
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    if "email" not in table.columns:
        raise click.ClickException(f"{path.name}: line 1: needs an email column (and optionally attendance)")
    column = next((c for c in ("attendance", "attended", "status") if c in table.columns), None)
    marks: dict[str, str] = {}
    problems = []
    for row in table.rows:
        word = row.get(column).lower() if column else "attended"
        word = word or "attended"
        if word in ATTENDED_WORDS:
            mark = "attended"
        elif word in NO_SHOW_WORDS:
            mark = "no_show"
        else:
            problems.append(f"{path.name}: line {row.line}: {word!r} is not attended or no-show")
            continue
        email = row.get("email")
        if email.lower() in {e.lower() for e in marks}:
            problems.append(f"{path.name}: line {row.line}: {email} appears twice")
        marks[email] = mark
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was recorded.")
    return marks


@learning_group.command(
    "attendance", context_settings={"ignore_unknown_options": True, "allow_extra_args": False},
)
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--session", "session_number", type=int, metavar="N", help="The session's number (1, 2, ...).")
@click.argument("rest", nargs=-1, type=click.UNPROCESSED, metavar="FILE.csv | --attended EMAIL... [--no-show EMAIL...]")
@click.pass_obj
def attendance_command(runtime: Runtime, opportunity_id: int, session_number: int | None, rest: tuple[str, ...]) -> None:
    """Record who attended and who did not: a CSV (email[,attendance]) or --attended / --no-show lists.

    Attended people get a training-course entry against the linked competences and are asked to evaluate it.
    """
    marks, path = _attendance_marks(rest)
    if path is not None:
        for email, mark in _marks_from_file(path).items():
            marks.setdefault(email, mark)
    if not marks:
        raise click.UsageError("give a CSV file or --attended EMAIL... (and --no-show EMAIL...)")
    recorded, _ = _run(runtime, att.record_attendance, opportunity_id=opportunity_id, session_number=session_number,
                       marks=marks, _config=True)
    attended = sum(m.attendance == "attended" for m in recorded.marks)
    entries = [e for m in recorded.marks for e in m.evidence]
    waiting = sum(e.status == "submitted" for e in entries)
    where = f"Session {recorded.session.number} of " if recorded.session else ""
    click.echo(f"{where}'{recorded.opportunity.title}': {attended} attended, {len(recorded.marks) - attended} "
               f"no-show; {len(entries)} training-course entries added ({waiting} sent for verification).")


@learning_group.command("report")
@click.argument("opportunity_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: the opportunity, each session, each competence.")
@click.pass_obj
def report_command(runtime: Runtime, opportunity_id: int, as_json: bool, as_csv: bool) -> None:
    """Invited, signed up, waitlisted, attended, no-shows, ratings and comments; gaps closed per competence."""
    if as_json and as_csv:
        raise click.UsageError("--json or --csv, not both")
    result, _ = _run(runtime, reports.report, opportunity_id=opportunity_id, tz=_tz(runtime))
    if as_json:
        click.echo(json.dumps(reports.as_json(result), indent=2))
        return
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=reports.CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(reports.as_rows(result))
        click.echo(out.getvalue(), nl=False)
        return
    data = reports.as_json(result)
    click.echo(f"{data['title']} ({data['kind']}): invited {data['invited']}, signed up {data['signed_up']}, "
               f"waitlisted {data['waitlisted']}, attended {data['attended']}, no-shows {data['no_shows']}")
    rating = data["average_rating"]
    if rating is not None:
        click.echo(f"Average rating {rating} out of 5 from {data['answered']} answers")
    elif data["answered"]:
        click.echo(f"{data['answered']} answered: fewer than five, so the rating and comments are not shown")
    for s in data["sessions"]:
        click.echo(f"- session {s['id']} {s['start']} ({s['capacity']} places): signed up {s['signed_up']}, "
                   f"waitlisted {s['waitlisted']}, attended {s['attended']}, no-shows {s['no_shows']}")
    for c in data["competences"]:
        click.echo(f"- {c['code']}: {c['closed_within_90_days']} of {c['audience_with_gap']} invited with a gap "
                   "closed it within 90 days")
    for comment in data["comments"]:
        click.echo(f"  \u201c{comment}\u201d")
