"""PDF documents: their text, page by page, without the running header and footer, read as plain text."""

from __future__ import annotations

import io

from storage.policy.blocks import Block
from storage.policy.boilerplate import page_furniture
from storage.policy.read_text import text_blocks


def pdf_blocks(data: bytes) -> tuple[list[Block], str | None]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    title = None
    try:
        title = (reader.metadata.title or "").strip() or None if reader.metadata else None
    except Exception:  # noqa: BLE001 - broken metadata must not stop the import
        title = None
    pages = [(page.extract_text() or "").split("\n") for page in reader.pages]
    repeated = page_furniture(pages)
    text = "\n".join(line for lines in pages for line in lines if line.strip() not in repeated)
    return text_blocks(text, blank_lines_separate=False), title
