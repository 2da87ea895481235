"""Turn a policy document (Markdown, plain text, HTML, Word, PDF) into sections that follow its own structure.

Every format is first read into a flat list of blocks (heading / paragraph / bullet / control; see the
read_* modules); one function then builds sections from them, so "4.6 Maintaining Skills", a Markdown
`##`, a Word "Heading 2" and a bare "Key Accountabilities" line in an intranet export all become section
boundaries the same way. Bullet lists stay inside the section they belong to. Metadata lines near the top
("Version: 2.0", "Published: 28 March 2022") and a "Document Control" block become document fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from storage.policy.blocks import BULLET, Block, BlockKind, numbered_heading, split_number, title_like
from storage.policy.metadata import clean_version, control_fields, metadata_line, parse_date
from storage.policy.read_html import html_blocks
from storage.policy.read_pdf import pdf_blocks
from storage.policy.read_text import markdown_blocks, text_blocks
from storage.policy.read_word import docx_blocks

__all__ = [
    "BULLET", "FORMATS", "PREAMBLE", "Block", "BlockKind", "ParsedDocument", "ParsedSection", "UnsupportedFormat",
    "build_document", "format_for", "numbered_heading", "parse_bytes", "parse_date", "parse_file", "split_number",
    "title_like",
]

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

PREAMBLE = "Introduction"  # the heading given to text before a document's first heading
_METADATA_BLOCKS = 40  # how far into a document a "Version 2.0" line still counts as metadata


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
    meta: dict[str, str] = {}
    if fmt == "markdown":
        blocks, meta = markdown_blocks(_decode(data))
    elif fmt == "text":
        blocks = text_blocks(_decode(data))
    elif fmt == "html":
        blocks, title_hint = html_blocks(_decode(data))
    elif fmt == "docx":
        blocks, title_hint = docx_blocks(data)
    else:
        blocks, title_hint = pdf_blocks(data)
    fallback_title = Path(filename).stem.replace("_", " ").replace("-", " ").strip().title()
    return build_document(blocks, fmt=fmt, title_hint=title_hint, fallback_title=fallback_title, meta=meta)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


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
    control = control_fields([b.text for b in blocks if b.kind == "control"])
    blocks = [b for b in blocks if b.kind != "control"]
    title = (fields.get("title") or "").strip() or None

    # The document's title is the first top-level heading when it is not numbered (or the Word Title).
    first_heading = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    title_index: int | None = None
    if first_heading is not None:
        head = blocks[first_heading]
        number, _ = split_number(head.text)
        before = [b for b in blocks[:first_heading] if not metadata_line(b.text)]
        if number is None and head.level == 1 and not before:
            title_index = first_heading
            title = title or head.text.strip()
    title = title or ((title_hint or "").strip() or None)
    if title is None:
        first_para = next((b for b in blocks if b.kind == "para" and not metadata_line(b.text)), None)
        if first_para is not None and title_like(first_para.text) and len(first_para.text) < 80:
            title = first_para.text
            blocks = [b for b in blocks if b is not first_para]
        else:
            title = fallback_title

    sections: list[ParsedSection] = []
    stack: list[tuple[float, str]] = []
    current: ParsedSection | None = None
    seen_real_heading = False
    unnumbered_level: float | None = None  # the level of the run of unstyled, unnumbered headings we are in
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            if index == title_index:
                continue
            number, heading = split_number(block.text)
            if not heading:
                continue
            if number:
                level: float = len(number.split("."))
            elif block.level:
                level = block.level
            else:
                # A bold "Supervisors" under "5 Responsibilities" belongs to section 5; a run of such headings
                # (a role profile's) are siblings.
                if unnumbered_level is None:
                    unnumbered_level = (stack[-1][0] + 1) if stack else 1
                level = unnumbered_level
            if number or block.level:
                unnumbered_level = None
            while stack and stack[-1][0] >= level:
                stack.pop()
            current = ParsedSection(heading=heading, number=number, level=int(level), body="",
                                    path=tuple(label for _, label in stack))
            stack.append((level, current.label))
            sections.append(current)
            seen_real_heading = True
            continue
        if not seen_real_heading or index < _METADATA_BLOCKS:
            found = metadata_line(block.text)
            if found:
                for key, value in found.items():
                    fields.setdefault(key, value)
                continue
        if current is None:
            current = ParsedSection(heading=PREAMBLE, number=None, level=1, body="")
            sections.append(current)
        line = (BULLET + block.text) if block.kind == "bullet" else block.text
        current.body = f"{current.body}\n{line}" if current.body else line

    for key, value in control.items():
        fields.setdefault(key, value)
    if "published" not in fields and "updated" in fields:
        fields["published"] = fields["updated"]
    if fields.get("title") and title == fallback_title:
        title = fields["title"].strip()
    doc = ParsedDocument(title=title, format=fmt, sections=[s for s in sections if s.body.strip()])
    doc.version = clean_version(fields.get("version"))
    doc.published = parse_date(fields.get("published"))
    doc.review = parse_date(fields.get("review"))
    return doc
