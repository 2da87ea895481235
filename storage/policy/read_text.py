"""Plain text (a page saved or copied from a browser, a PDF's text) and Markdown, read into blocks.

Plain text has no markup, so structure comes from the lines themselves, as a reader would see it:
- a numbered line ("4.6 Maintaining Skills", "3.2 Line Managers will:") or a short capitalised line
  followed by text is a heading;
- "•" lines (blank-separated or not, the marker maybe alone on its line) are bullets;
- short bare lines after a sentence that introduces them ("... the following levels:") or under a
  heading ("Links to other Profiles") are a list, not a run of headings;
- the site header before the title, menus, "Reading time approx", "Leave Feedback" are dropped, and a
  "Document Control and Audit" block becomes control lines (metadata), not sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.policy.blocks import (
    BARE_BULLET,
    BULLET_LINE,
    KEY_VALUE,
    MULTI_LEVEL,
    Block,
    clean_inline,
    names_a_section,
    numbered_heading,
    split_number,
    title_like,
    undouble,
)
from storage.policy.boilerplate import drop_chrome, is_chrome
from storage.policy.metadata import is_control_heading, metadata_line

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^(=+|-+)\s*$")
_MD_BOLD_LINE = re.compile(r"^(\*\*|__)([^*_]+)\1:?$")
_ENDS_SENTENCE = ".!?:;"
_WRAP_LENGTH = 60  # a line at least this long that stops mid-sentence was wrapped, not ended
_HEADER_LINES = 14  # how far the site header before a page's title may go
_PAGE_MARKER = re.compile(r"^(?:reading\s+time|(?:estimated\s+)?read\s+time|\d+\s*min(?:ute)?s?\s+read)", re.I)


# --- Markdown ---------------------------------------------------------------------------------------------
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
        if nxt and _MD_SETEXT.match(nxt) and not paragraph and not BULLET_LINE.match(raw) and len(line) < 120:
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
        if not paragraph and MULTI_LEVEL.match(split_number(line)[0] or "") and numbered_heading(clean_inline(line)):
            flush()
            blocks.append(Block("heading", clean_inline(line), 0))
            continue
        if m := BULLET_LINE.match(raw):
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
    return mark_control(blocks), meta


# --- plain text -----------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Line:
    text: str
    bullet: bool = False
    after_blank: bool = True
    indented: bool = False

    @property
    def ended(self) -> bool:
        return self.text[-1:] in _ENDS_SENTENCE

    @property
    def short(self) -> bool:
        """A bare line that is not a sentence: a heading, a list item, a name, a table cell."""
        return (not self.bullet and len(self.text) <= 80 and len(self.text.split()) <= 12
                and self.text[-1:] not in ".,;!?:" and not KEY_VALUE.match(self.text))

    @property
    def heading_like(self) -> bool:
        return self.short and (title_like(self.text) or names_a_section(self.text))

    @property
    def numbered(self) -> bool:
        return not self.bullet and numbered_heading(self.text)


def text_blocks(source: str, *, blank_lines_separate: bool = True) -> list[Block]:
    """Plain text into blocks; with `blank_lines_separate=False` (a PDF's text) a line that stops mid-sentence
    runs on into the next one even when that one is short."""
    raw_lines = source.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    lines = _logical_lines(drop_chrome(raw_lines, keep=_PAGE_MARKER.match), wrapped_text=not blank_lines_separate)
    title, start = _title(lines)
    blocks: list[Block] = [Block("heading", title, 1)] if title else []
    list_mode = False  # short bare lines are items of a list (after "... the following:" or a heading)
    control = False
    for index in range(start, len(lines)):
        line = lines[index]
        text = line.text
        nxt = lines[index + 1] if index + 1 < len(lines) else None
        if control:
            if line.numbered and not is_control_heading(text):
                control = False
            else:
                blocks.append(Block("control", text))
                continue
        if not line.bullet and is_control_heading(text):
            control, list_mode = True, False
            continue
        if _PAGE_MARKER.match(text):
            continue
        if line.bullet:
            blocks.append(Block("bullet", text))
            list_mode = False
            continue
        if line.numbered:
            blocks.append(Block("heading", text, 0))
            list_mode = text.endswith(":")
            continue
        if line.short:
            starts_block = line.after_blank or index == start or lines[index - 1].ended or lines[index - 1].short
            followed_by_text = nxt is not None and (nxt.bullet or nxt.numbered or not nxt.short)
            if list_mode and not (line.heading_like and followed_by_text):
                blocks.append(Block("bullet", text))
                continue
            if line.heading_like and starts_block and nxt is not None:
                blocks.append(Block("heading", text, 0))
                list_mode = not followed_by_text  # "Links to other Profiles" and then the names
                continue
        blocks.append(Block("para", text))
        list_mode = text.endswith(":")
    return blocks


def _logical_lines(raw_lines: list[str], *, wrapped_text: bool) -> list[_Line]:
    """Non-blank lines as the writer meant them: wrapped lines joined, "•" with its text, doubles dropped."""
    lines: list[_Line] = []
    blank = True
    pending_bullet = False
    for raw in raw_lines:
        stripped = raw.replace("\u00a0", " ").replace("\t", " ").strip()
        if not stripped:
            blank = True
            continue
        if BARE_BULLET.match(stripped):  # "•" alone, its text on the next line
            pending_bullet, blank = True, False
            continue
        text = undouble(clean_inline(stripped))
        bullet = pending_bullet
        if not bullet and (m := BULLET_LINE.match(stripped)) and not numbered_heading(stripped):
            bullet, text = True, undouble(clean_inline(m.group(1)))
        pending_bullet = False
        indented = raw[:1] in (" ", "\t")
        prev = lines[-1] if lines else None
        if prev is not None and not bullet and not blank and _runs_on(prev, text, indented, wrapped_text):
            prev.text = f"{prev.text} {text}"
            continue
        if prev is not None and not blank and text == prev.text and not bullet:
            continue  # the same heading twice in a row (a web page's accordion label, then its heading)
        lines.append(_Line(text, bullet=bullet, after_blank=blank, indented=indented))
        blank = False
    return lines


def _runs_on(prev: _Line, text: str, indented: bool, wrapped_text: bool) -> bool:
    """Whether `text` continues the line before it (a wrapped sentence or bullet)."""
    if prev.ended or numbered_heading(text) or (not prev.bullet and prev.numbered):
        return False
    if prev.bullet and (indented or text[:1].islower()):
        return True
    if KEY_VALUE.match(text) or KEY_VALUE.match(prev.text):
        return False
    if wrapped_text:
        return not prev.short or text[:1].islower()
    return len(prev.text) >= _WRAP_LENGTH and (text[:1].islower() or not title_like(text))


def _title(lines: list[_Line]) -> tuple[str | None, int]:
    """The document's title and where its text starts: the last line of the site header before the content.

    The content starts at the first sentence, bullet, numbered heading, metadata line or "Reading time"
    marker, or at a heading with text under it; menu items and the site's name before the title go.
    """
    end = None
    for index, line in enumerate(lines[:_HEADER_LINES]):
        nxt = lines[index + 1] if index + 1 < len(lines) else None
        if (line.bullet or line.numbered or not _titleish(line.text) or metadata_line(line.text)
                or _PAGE_MARKER.match(line.text) or is_control_heading(line.text)):
            end = index
            break
        if index and names_a_section(line.text) and nxt is not None and (nxt.bullet or not nxt.short):
            end = index
            break
    if end is None:  # no header to speak of: the first line is the title (the old rule for plain text)
        first = lines[0] if lines else None
        if first is not None and len(lines) > 1 and _titleish(first.text) and not names_a_section(first.text):
            return first.text, 1
        return None, 0
    header = [line for line in lines[:end] if not is_chrome(line.text)]
    if not header:
        return None, end
    candidate = header[-1]
    if len(header) == 1 and names_a_section(candidate.text):  # "Role Purpose": a heading, no title before it
        return None, end - 1
    return candidate.text, end


def _titleish(text: str) -> bool:
    """Could be a page's title or a line of the site header: short, and not a sentence."""
    return len(text) <= 100 and len(text.split()) <= 15 and text[-1:] not in ".,;!?"


def mark_control(blocks: list[Block]) -> list[Block]:
    """Blocks after a "Document Control" heading become control lines, up to the next numbered heading (or
    a heading of the same or a higher level)."""
    result: list[Block] = []
    control_level: int | None = None
    for block in blocks:
        if control_level is not None:
            ends = block.kind == "heading" and not is_control_heading(block.text) and (
                split_number(block.text)[0] is not None or (block.level and block.level <= control_level)
            )
            if not ends:
                result.append(Block("control", block.text))
                continue
            control_level = None
        if block.kind in ("heading", "para") and is_control_heading(block.text):
            control_level = block.level or 9
            continue
        result.append(block)
    return result
