"""Policy documents: upload (sections shown before importing), versions, review dates, removal; questions
the bot could not answer, answered from the page as standard answers; synonyms; a "test a question" box."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.access import Act
from bot.usecase import Refused, apply
from bot.web import security, uploads
from handlers.policy import usecases as uc
from storage.policy.parse import parse_date

REFUSALS = {
    "unsupported": "ldbot reads Markdown, text, HTML, Word (.docx) and PDF files",
    "empty": "No text to answer questions from was found in that file (is it empty, or only a title?)",
    "unreadable": "That file could not be read: it may be damaged",
}


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/policy", documents)
    admin.router.add_post("/policy/upload", upload)
    admin.router.add_post("/policy/upload/{upload}", apply_upload)
    admin.router.add_get("/policy/documents/{id}", document)
    admin.router.add_post("/policy/documents/{id}/remove", remove)
    admin.router.add_get("/policy/questions", questions)
    admin.router.add_post("/policy/questions/answer", answer_group)
    admin.router.add_post("/policy/questions/reply", reply_handoff)
    admin.router.add_get("/policy/synonyms", synonyms_page)
    admin.router.add_post("/policy/synonyms", synonyms_change)


def _services(request: web.Request):  # noqa: ANN202 - bot.services.Services
    return request.app[security.BOT].services


async def documents(request: web.Request, *, problem: str = "", status: int = 200) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_DOCUMENTS)
    services = _services(request)
    found = await uc.policy_documents(request[security.DB], person, services.at())
    question = request.query.get("question", "").strip()[:500]
    asked = None
    if question:
        result = await uc.ask(request[security.DB], person, services.at(), question=question, channel="web", record=False)
        template, context = result.presentation(in_chat=False)
        asked = {"text": services.catalogue.render(template, context, platform="console"),
                 "confident": bool(result.answer.answered)}
    return aiohttp_jinja2.render_template("policy.html", request, {
        "title": "Policy documents", "documents": found.documents, "today": services.today(), "problem": problem,
        "question": question, "asked": asked,
        "error_summary": [{"field": "file", "text": problem}] if problem else [],
    }, status=status)


async def upload(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_DOCUMENTS)
    sent = await uploads.read_file(request)
    if sent is None:
        return await documents(request, problem="Choose a document to upload")
    filename, data = sent
    if len(data) > uploads.MAX_BYTES:
        return await documents(request, problem="That file is larger than 10 MB")
    services = _services(request)
    try:
        preview = await uc.preview_document(request[security.DB], person, services.at(), filename=filename, data=data)
    except Refused as refused:
        return await documents(request, problem=REFUSALS.get(refused.reason, "That file could not be read"))
    held = await uploads.hold(request[security.DB], person, services.at(), kind="policy", filename=filename, content=data)
    return aiohttp_jinja2.render_template("policy_upload.html", request, {
        "title": "Check the document", "parsed": preview.parsed, "upload": held, "filename": filename,
        "error_summary": [], "problems": {},
    })


async def apply_upload(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_DOCUMENTS)
    held = await uploads.held(request[security.DB], person, request.match_info["upload"], "policy",
                              at=_services(request).at())
    if held is None:
        return await documents(request, problem="That upload has gone (uploads are kept for a day). Upload it again")
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("title", "version", "published", "review", "url")}
    problems = {k: "Enter a date such as 28 March 2026" for k in ("published", "review")
                if values[k] and parse_date(values[k]) is None}
    if values["url"] and not values["url"].startswith("https://"):
        problems["url"] = "Enter an address starting with https://"
    services = _services(request)
    if problems:
        preview = await uc.preview_document(request[security.DB], person, services.at(), filename=held.filename,
                                            data=held.content)
        return aiohttp_jinja2.render_template("policy_upload.html", request, {
            "title": "Check the document", "parsed": preview.parsed, "upload": held, "filename": held.filename,
            "problems": problems, "values": values,
            "error_summary": [{"field": k, "text": v} for k, v in problems.items()],
        })
    try:
        imported = await uc.import_document(request[security.DB], person, services.at(), filename=held.filename,
                                            data=held.content, **values)
    except Refused as refused:
        return await documents(request, problem=REFUSALS.get(refused.reason, "That file could not be read"))
    await request[security.DB].delete(held)
    raise web.HTTPFound(f"/admin/policy/documents/{imported.result.document_id}?done={imported.result.status}")


async def document(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_DOCUMENTS)
    raw = request.match_info["id"]
    try:
        detail = await uc.document_detail(request[security.DB], person, _services(request).at(),
                                          document_id=int(raw) if raw.isdigit() else 0)
    except Refused:
        raise web.HTTPNotFound(text="No such document.") from None
    return aiohttp_jinja2.render_template("policy_document.html", request, {
        "title": detail.document.title, "d": detail, "today": _services(request).today(),
        "done": request.query.get("done", ""),
    })


async def remove(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_DOCUMENTS)
    raw = request.match_info["id"]
    try:
        await uc.remove_policy_document(request[security.DB], person, _services(request).at(),
                                        document_id=int(raw) if raw.isdigit() else 0)
    except Refused:
        raise web.HTTPNotFound(text="No such document.") from None
    raise web.HTTPFound("/admin/policy?removed=1")


async def questions(request: web.Request, *, done: str = "") -> web.StreamResponse:
    person = await security.require(request, Act.ANSWER_HANDOFFS)
    gaps = await uc.open_gaps(request[security.DB], person, _services(request).at(), limit=50)
    return aiohttp_jinja2.render_template("policy_questions.html", request, {
        "title": "Unanswered questions", "gaps": gaps, "done": done or request.query.get("done", ""),
    })


async def answer_group(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.ANSWER_HANDOFFS)
    form = await request.post()
    try:
        await uc.save_answer_to_question(request[security.DB], person, _services(request).at(),
                                         question=str(form.get("question", "")), answer=str(form.get("answer", "")))
    except Refused:
        return await questions(request, done="empty")
    raise web.HTTPFound("/admin/policy/questions?done=saved")


async def reply_handoff(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.ANSWER_HANDOFFS)
    form = await request.post()
    raw, text = str(form.get("handoff", "")), str(form.get("answer", "")).strip()
    if not raw.isdigit() or not text:
        return await questions(request, done="empty")
    services, db = _services(request), request[security.DB]
    try:
        replied = await apply(db, await uc.reply_to_handoff(db, person, services.at(), handoff_id=int(raw),
                                                               text=text), services.at())
        if form.get("standard"):
            await uc.save_standard_answer(db, person, services.at(), handoff_id=replied.handoff.id)
    except Refused:
        raise web.HTTPNotFound(text="No such question.") from None
    raise web.HTTPFound("/admin/policy/questions?done=replied")


async def synonyms_page(request: web.Request, *, problem: str = "") -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_DOCUMENTS)
    found = await uc.synonyms(request[security.DB], person, _services(request).at())
    return aiohttp_jinja2.render_template("policy_synonyms.html", request, {
        "title": "Synonyms", "s": found, "problem": problem,
        "error_summary": [{"field": "term", "text": problem}] if problem else [],
    })


async def synonyms_change(request: web.Request) -> web.StreamResponse:
    person = await security.require(request, Act.MANAGE_DOCUMENTS)
    form, at = await request.post(), _services(request).at()
    try:
        if form.get("remove"):
            await uc.remove_synonym(request[security.DB], person, at, term=str(form.get("remove")))
        else:
            await uc.add_synonym(request[security.DB], person, at, term=str(form.get("term", "")),
                                 meaning=str(form.get("meaning", "")))
    except Refused:
        return await synonyms_page(request, problem="Enter a word or phrase, and a different one it means")
    raise web.HTTPFound("/admin/policy/synonyms")
