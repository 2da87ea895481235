"""Word (.docx) documents read into blocks: heading styles, list styles and numbering, bold-run subheadings,
tables row by row (a document-control table becomes metadata, not a section)."""

from __future__ import annotations

import io
import re

from storage.policy.blocks import BULLET_LINE, Block, multi_level_heading, numbered_heading, title_like
from storage.policy.read_text import mark_control


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
            blocks.append(Block("heading", text, 0) if multi_level_heading(text) else Block("bullet", text))
            continue
        runs = [r for r in item.runs if r.text.strip()]
        all_bold = bool(runs) and all(r.bold for r in runs)
        if numbered_heading(text) and (multi_level_heading(text) or all_bold):
            blocks.append(Block("heading", text, 0))
        elif all_bold and title_like(text):
            blocks.append(Block("heading", text, 0))
        elif m := BULLET_LINE.match(text):
            blocks.append(Block("bullet", m.group(1)))
        else:
            blocks.append(Block("para", text))
    return mark_control(blocks), title
