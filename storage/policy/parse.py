"""Turn a policy document (Markdown, plain text, HTML, Word, PDF) into sections that follow its own structure.

Every format is first read into a flat list of blocks (heading / paragraph / bullet); one function then
builds sections from them, so "4.6 Maintaining Skills", a Markdown `##`, a Word "Heading 2" and a bare
"Key Accountabilities" line in an intranet export all become section boundaries the same way. Bullet
lists stay inside the section they belong to. Metadata lines near the top ("Version: 2.0",
"Published: 28 March 2022", "Review date: March 2025") become document fields instead of text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

BlockKind = Literal["heading", "para", "bullet"]

FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}

BULLET = "• "
PREAMBLE = "Introduction"  # the heading given to text before a document's first heading
_NUMBERED = re.compile(r"^(?:section\s+)?(\d{1,2}(?:\.\d{1,2}){0,4})\.?(?:\s*[-–—:.)]\s*|\s+)(\S.*)$", re.I)
_MULTI_LEVEL = re.compile(r"^\d{1,2}(?:\.\d{1,2})+$")
_BULLET_LINE = re.compile(r"^\s*(?:[-*+•▪◦·‣●o]|\(?[a-z0-9]{1,2}[.)])\s+(\S.*)$")
_KEY_VALUE = re.compile(r"^(?:[A-Z][A-Za-z'’]*)(?: [A-Za-z'’]+){0,3}:\s+\S|^(?:Version|Issue|Revision) v?\d")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^(=+|-+)\s*$")
_MD_BOLD_LINE = re.compile(r"^(\*\*|__)([^*_]+)\1:?$")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MINOR = {
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with",
    "your", "their", "our", "its", "about", "that", "this", "when", "what", "how", "who", "why", "is", "are",
    "be", "do", "you",
}
_META = {
    "version": re.compile(r"^(?:document\s+)?(?:version|issue|revision)(?:\s+(?:no\.?|number))?\s*[:|\-–]?\s*(v?\d+(?:\.\d+)*\w*)\s*$", re.I),
    "published": re.compile(
        r"^(?:date\s+)?(?:published|publication\s+date|issued|date\s+of\s+issue|issue\s+date|effective(?:\s+from)?|"
        r"approved)(?:\s+on)?\s*[:|\-–]?\s*(.+)$",
        re.I,
    ),
    "review": re.compile(
        r"^(?:next\s+)?review(?:\s+date|\s+due)?(?:\s+by)?|^date\s+of\s+next\s+review|^to\s+be\s+reviewed\s+by", re.I
    ),
    "title": re.compile(r"^(?:document\s+)?title\s*[:|]\s*(.+)$", re.I),
}
_META_SPLIT = re.compile(r"\s*[|;•]\s*|\s{3,}")


@dataclass(slots=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # headings: 1 = top; 0 = unknown (derived from the number, else 1)


@dataclass(slots=True)
class ParsedSection:
    heading: str
    number: str | None
    level: int
    body: str  # paragraphs one per line; bullet points start with "• "
    path: tuple[str, ...] = ()  # labels of the enclosing sections, outermost first

    @property
    def label(self) -> str:
        return f"{self.number} {self.heading}" if self.number else self.heading


@dataclass(slots=True)
class ParsedDocument:
    title: str
    format: str
    sections: list[ParsedSection] = field(default_factory=list)
    version: str | None = None
    published: date | None = None
    review: date | None = None


class UnsupportedFormat(ValueError):
    """The file's extension is not one we can read."""


def format_for(filename: str) -> str:
    fmt = FORMATS.get(Path(filename).suffix.lower())
    if fmt is None:
        raise UnsupportedFormat(Path(filename).suffix or filename)
    return fmt


def parse_file(path: str | Path) -> ParsedDocument:
    path = Path(path)
    return parse_bytes(path.name, path.read_bytes())


def parse_bytes(filename: str, data: bytes) -> ParsedDocument:
    """Parse a document given its name (for the format) and contents (e.g. a file shared in chat)."""
    fmt = format_for(filename)
    title_hint: str | None = None
    if fmt == "markdown":
        blocks, meta = markdown_blocks(_decode(data))
    elif fmt == "text":
        blocks, meta = text_blocks(_decode(data)), {}
    elif fmt == "html":
        blocks, title_hint = html_blocks(_decode(data))
        meta = {}
    elif fmt == "docx":
        blocks, title_hint = docx_blocks(data)
        meta = {}
    else:
        blocks, title_hint = pdf_blocks(data)
        meta = {}
    fallback_title = Path(filename).stem.replace("_", " ").replace("-", " ").strip().title()
    return build_document(blocks, fmt=fmt, title_hint=title_hint, fallback_title=fallback_title, meta=meta)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --- heading heuristics --------------------------------------------------------------------------------
def split_number(text: str) -> tuple[str | None, str]:
    """"4.6 Maintaining Skills" -> ("4.6", "Maintaining Skills"); unnumbered headings keep their text."""
    m = _NUMBERED.match(text.strip())
    if m and not re.match(r"^\d{4}\b", text.strip()):  # "2024 review" is not section 2024
        return m.group(1), m.group(2).strip().rstrip(":").strip()
    return None, text.strip().rstrip(":").strip()


def title_like(text: str) -> bool:
    """A short line in Title Case (or capitals) without sentence punctuation: "Role Purpose"."""
    text = text.strip()
    if not text or len(text) > 80 or text[-1] in ".,;!?" or not text[0].isupper():
        return False
    body = text[:-1] if text.endswith(":") else text
    if ":" in body or _one_field(body):  # "Reports to: Crew Manager", "Version 1.3": label and value
        return False
    tokens = re.findall(r"[A-Za-z][A-Za-z'’&-]*", body)
    if not tokens or len(tokens) > 10 or len(re.findall(r"\w+", body)) > 12:
        return False
    if body.isupper() and len(body) > 2:
        return True
    significant = [t for t in tokens if t.lower() not in _MINOR]
    return bool(significant) and all(t[0].isupper() for t in significant)


def numbered_heading(text: str) -> bool:
    """"4.6 Maintaining Skills" (multi-level number) or "4. Learning and Development" (Title Case)."""
    number, rest = split_number(text)
    if number is None or not rest or len(rest) > 90 or rest[-1] in ".;,!?":
        return False
    if _MULTI_LEVEL.match(number):
        return len(rest.split()) <= 14 and rest[0].isupper()
    return title_like(rest)


def clean_inline(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    for _ in range(2):
        text = _MD_EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


# --- Markdown and plain text -----------------------------------------------------------------------------
def markdown_blocks(source: str) -> tuple[list[Block], dict[str, str]]:
    meta: dict[str, str] = {}
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
        except StopIteration:
            end = 0
        if end:
            import yaml

            try:
                data = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError:
                data = {}
            if isinstance(data, dict):
                meta = {str(k).lower().replace("_", " "): str(v) for k, v in data.items() if v is not None}
            lines = lines[end + 1 :]
    blocks: list[Block] = []
    paragraph: list[str] = []
    in_code = False

    def flush() -> None:
        if paragraph:
            blocks.append(Block("para", clean_inline(" ".join(paragraph))))
            paragraph.clear()

    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        i += 1
        if line.startswith("```") or line.startswith("~~~"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            if line:
                blocks.append(Block("para", line))
            continue
        if not line:
            flush()
            continue
        if m := _MD_HEADING.match(line):
            flush()
            blocks.append(Block("heading", clean_inline(m.group(2)), len(m.group(1))))
            continue
        if nxt and _MD_SETEXT.match(nxt) and not paragraph and not _BULLET_LINE.match(raw) and len(line) < 120:
            flush()
            blocks.append(Block("heading", clean_inline(line), 1 if nxt.startswith("=") else 2))
            i += 1
            continue
        if re.match(r"^(?:-{3,}|\*{3,}|_{3,})$", line):
            flush()
            continue
        if m := _MD_BOLD_LINE.match(line):
            flush()
            blocks.append(Block("heading", m.group(2).strip(), 0))
            continue
        if line.startswith("|"):
            flush()
            cells = [clean_inline(c) for c in line.strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                blocks.append(Block("para", " | ".join(c for c in cells if c)))
            continue
        if not paragraph and _MULTI_LEVEL.match(split_number(line)[0] or "") and numbered_heading(clean_inline(line)):
            flush()
            blocks.append(Block("heading", clean_inline(line), 0))
            continue
        if m := _BULLET_LINE.match(raw):
            flush()
            blocks.append(Block("bullet", clean_inline(m.group(1))))
            continue
        if raw[:1] in (" ", "\t") and blocks and blocks[-1].kind == "bullet" and not paragraph:
            blocks[-1].text += " " + clean_inline(line)
            continue
        if line.startswith(">"):
            line = line.lstrip("> ").strip()
        paragraph.append(line)
    flush()
    return blocks, meta


def text_blocks(source: str, *, blank_lines_separate: bool = True) -> list[Block]:
    """Plain text: headings are numbered lines or short Title Case lines that start a new paragraph.

    With `blank_lines_separate=False` (PDF text, where paragraphs are seldom blank-separated) a line starts
    a new paragraph when the line before it ended a sentence, or was itself a heading.
    """
    lines = source.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    blocks: list[Block] = []
    paragraph: list[str] = []
    prev_ended = True  # the previous line closed a paragraph (blank, heading, or end of sentence)

    def flush() -> None:
        if paragraph:
            blocks.append(Block("para", re.sub(r"\s+", " ", " ".join(paragraph)).strip()))
            paragraph.clear()

    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            flush()
            prev_ended = True
            continue
        next_line = next((lines[j].strip() for j in range(index + 1, len(lines)) if lines[j].strip()), "")
        if not blocks and not paragraph and next_line and len(line) <= 100 and line[-1] not in ".,;!?":
            blocks.append(Block("heading", line, 1))  # the first line of a text document is its title
            prev_ended = True
            continue
        starts_paragraph = not paragraph if blank_lines_separate else (prev_ended or not paragraph)
        if starts_paragraph and next_line and (numbered_heading(line) or (title_like(line) and not _BULLET_LINE.match(raw))):
            flush()
            blocks.append(Block("heading", line, 0))
            prev_ended = True
            continue
        if m := _BULLET_LINE.match(raw):
            flush()
            blocks.append(Block("bullet", m.group(1).strip()))
            prev_ended = line[-1] in ".!?:"
            continue
        continuing_bullet = blocks and blocks[-1].kind == "bullet" and not paragraph and not prev_ended
        if continuing_bullet or (raw[:1] in (" ", "\t") and blocks and blocks[-1].kind == "bullet" and not paragraph):
            blocks[-1].text += " " + line
            prev_ended = line[-1] in ".!?:"
            continue
        if _KEY_VALUE.match(line) and len(line) < 100:  # "Reports to: Crew Manager" stays on its own line
            flush()
            blocks.append(Block("para", line))
            prev_ended = True
            continue
        if not blank_lines_separate and paragraph and prev_ended:
            flush()
        paragraph.append(line)
        prev_ended = line[-1] in ".!?:"
    flush()
    return blocks


# --- HTML ---------------------------------------------------------------------------------------------------
_HTML_SKIP = {"head", "title", "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg", "button"}
_HTML_PARA = {"p", "pre", "blockquote", "dt", "dd", "figcaption", "address", "caption", "summary"}
_HTML_INLINE = {"a", "abbr", "b", "strong", "em", "i", "u", "span", "small", "sup", "sub", "code", "mark", "br",
                "time", "q", "cite", "s", "del", "ins", "label", "font"}


def html_blocks(source: str) -> tuple[list[Block], str | None]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(source, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup.find_all(_HTML_SKIP):
        tag.decompose()
    blocks: list[Block] = []
    inline: list[str] = []

    def text_of(tag: Tag) -> str:
        return re.sub(r"\s+", " ", tag.get_text(" ", strip=True)).strip()

    def flush() -> None:
        text = re.sub(r"\s+", " ", " ".join(inline)).strip()
        inline.clear()
        if text:
            add_para(text)

    def add_para(text: str, *, bold: bool = False) -> None:
        if numbered_heading(text) and _MULTI_LEVEL.match(split_number(text)[0] or ""):
            blocks.append(Block("heading", text, 0))
        elif bold and title_like(text):
            blocks.append(Block("heading", text, 0))
        else:
            blocks.append(Block("para", text))

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString and child.strip():
                    inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HTML_INLINE:
                inline.append(text_of(child))
                continue
            flush()
            if re.fullmatch(r"h[1-6]", name):
                text = text_of(child)
                if text:
                    blocks.append(Block("heading", text, int(name[1])))
            elif name in ("ul", "ol"):
                emit_list(child)
            elif name == "table":
                for tr in child.find_all("tr"):
                    cells = [text_of(c) for c in tr.find_all(["td", "th"])]
                    cells = [c for c in cells if c]
                    if cells:
                        blocks.append(Block("para", " | ".join(cells)))
            elif name in _HTML_PARA:
                text = text_of(child)
                if text:
                    strong = child.find(["strong", "b"])
                    add_para(text, bold=strong is not None and text_of(strong) == text)
            else:
                walk(child)
        flush()

    def emit_list(lst: Tag) -> None:
        for li in lst.find_all("li", recursive=False):
            own = " ".join(
                (c.get_text(" ", strip=True) if isinstance(c, Tag) else str(c))
                for c in li.children
                if not (isinstance(c, Tag) and c.name in ("ul", "ol"))
            )
            own = re.sub(r"\s+", " ", own).strip()
            if own:
                blocks.append(Block("bullet", own))
            for nested in li.find_all(["ul", "ol"], recursive=False):
                emit_list(nested)

    walk(soup.body or soup)
    if title is None:
        first = soup.find("h1")
        title = first.get_text(" ", strip=True) if first else None
    return blocks, title


# --- Word ---------------------------------------------------------------------------------------------------
def docx_blocks(data: bytes) -> tuple[list[Block], str | None]:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    title = (document.core_properties.title or "").strip() or None
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = re.sub(r"\s+", " ", cell.text).strip()
                    if text and (not cells or cells[-1] != text):  # merged cells repeat
                        cells.append(text)
                if cells:
                    blocks.append(Block("para", " | ".join(cells)))
            continue
        text = re.sub(r"\s+", " ", item.text).strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        if style == "Title":
            title = title or text
            blocks.append(Block("heading", text, 1))
            continue
        if m := re.match(r"Heading (\d)", style):
            blocks.append(Block("heading", text, int(m.group(1))))
            continue
        numbered_list = item._p.pPr is not None and item._p.pPr.numPr is not None
        if style.startswith("List") or numbered_list:
            if numbered_heading(text) and _MULTI_LEVEL.match(split_number(text)[0] or ""):
                blocks.append(Block("heading", text, 0))
            else:
                blocks.append(Block("bullet", text))
            continue
        runs = [r for r in item.runs if r.text.strip()]
        all_bold = bool(runs) and all(r.bold for r in runs)
        if numbered_heading(text) and (_MULTI_LEVEL.match(split_number(text)[0] or "") or all_bold):
            blocks.append(Block("heading", text, 0))
        elif all_bold and title_like(text):
            blocks.append(Block("heading", text, 0))
        elif m := _BULLET_LINE.match(text):
            blocks.append(Block("bullet", m.group(1)))
        else:
            blocks.append(Block("para", text))
    return blocks, title


# --- PDF ----------------------------------------------------------------------------------------------------
def pdf_blocks(data: bytes) -> tuple[list[Block], str | None]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    title = None
    try:
        title = (reader.metadata.title or "").strip() or None if reader.metadata else None
    except Exception:  # noqa: BLE001 - broken metadata must not stop the import
        title = None
    pages = [(page.extract_text() or "") for page in reader.pages]
    return text_blocks("\n".join(pages), blank_lines_separate=False), title


# --- from blocks to sections ------------------------------------------------------------------------------
def build_document(
    blocks: list[Block],
    *,
    fmt: str,
    title_hint: str | None,
    fallback_title: str,
    meta: dict[str, str] | None = None,
) -> ParsedDocument:
    meta = dict(meta or {})
    fields: dict[str, str] = {}
    for key in ("title", "version", "published", "review", "review date", "next review"):
        if key in meta:
            fields["review" if key.startswith(("review", "next")) else key] = meta[key]
    title = (fields.get("title") or "").strip() or None

    # The document's title is the first top-level heading when it is not numbered (or the Word Title).
    first_heading = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    title_index: int | None = None
    if first_heading is not None:
        head = blocks[first_heading]
        number, _ = split_number(head.text)
        before = [b for b in blocks[:first_heading] if not _metadata_line(b.text)]
        if number is None and head.level <= 1 and not before:
            title_index = first_heading
            title = title or head.text.strip()
    title = title or ((title_hint or "").strip() or None)
    if title is None:
        first_para = next((b for b in blocks if b.kind == "para" and not _metadata_line(b.text)), None)
        if first_para is not None and title_like(first_para.text) and len(first_para.text) < 80:
            title = first_para.text
            blocks = [b for b in blocks if b is not first_para]
        else:
            title = fallback_title

    sections: list[ParsedSection] = []
    stack: list[tuple[float, str]] = []
    current: ParsedSection | None = None
    seen_real_heading = False
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            if index == title_index:
                continue
            number, heading = split_number(block.text)
            if not heading:
                continue
            level: float = len(number.split(".")) if number else (block.level or 1)
            while stack and stack[-1][0] >= level:
                stack.pop()
            current = ParsedSection(heading=heading, number=number, level=int(level), body="",
                                    path=tuple(label for _, label in stack))
            stack.append((level, current.label))
            sections.append(current)
            seen_real_heading = True
            continue
        if not seen_real_heading or index < 40:
            found = _metadata_line(block.text)
            if found:
                for key, value in found.items():
                    fields.setdefault(key, value)
                continue
        if current is None:
            current = ParsedSection(heading=PREAMBLE, number=None, level=1, body="")
            sections.append(current)
        line = (BULLET + block.text) if block.kind == "bullet" else block.text
        current.body = f"{current.body}\n{line}" if current.body else line

    if fields.get("title") and title == fallback_title:
        title = fields["title"].strip()
    doc = ParsedDocument(title=title, format=fmt, sections=[s for s in sections if s.body.strip()])
    doc.version = _clean_version(fields.get("version"))
    doc.published = parse_date(fields.get("published"))
    doc.review = parse_date(fields.get("review"))
    return doc


def _metadata_line(text: str) -> dict[str, str]:
    """Fields found in a line such as "Version 2.0 | Published 28 March 2022 | Review date: March 2025"."""
    found: dict[str, str] = {}
    parts = [p for p in _META_SPLIT.split(text.strip()) if p]
    if len(parts) == 2 and not any(_one_field(p) for p in parts):  # a table row: "Version | 2.0"
        parts = [f"{parts[0]}: {parts[1]}"]
    for part in parts:
        field_ = _one_field(part)
        if field_ is None:
            return {}  # an ordinary sentence that happens to mention a date
        found.setdefault(*field_)
    return found


def _one_field(part: str) -> tuple[str, str] | None:
    part = part.strip()
    if len(part) > 80:
        return None
    if m := _META["version"].match(part):
        return "version", m.group(1)
    if m := _META["review"].match(part):
        value = part[m.end():].strip(" :|-–")
        return ("review", value) if value and parse_date(value) else None
    if m := _META["published"].match(part):
        value = m.group(1).strip(" :|-–")
        return ("published", value) if parse_date(value) else None
    if m := _META["title"].match(part):
        return "title", m.group(1)
    return None


def _clean_version(value: str | None) -> str | None:
    if not value:
        return None
    value = str(value).strip()
    return value[1:] if value[:1] in "vV" and value[1:2].isdigit() else value


def parse_date(value: str | date | None) -> date | None:
    """"28 March 2022", "2022-03-28", "March 2025" (the 1st), "28/03/2022" (UK order)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if not re.search(r"\d{4}|\d{1,2}/\d{1,2}/\d{2}", text):
        return None
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["month", "year"]},
    )
    return parsed.date() if parsed else None
