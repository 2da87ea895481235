"""HTML pages (intranet exports, saved web pages) read into blocks, without the site around the page.

Navigation is often not in a <nav>: menus, breadcrumbs, cookie banners, sidebars and footers are <div>s
and <ul>s named by their class, id or ARIA role. Those go, and so does anything outside <main> or
<article> when the page has one.
"""

from __future__ import annotations

import re

from storage.policy.blocks import Block, multi_level_heading, title_like
from storage.policy.boilerplate import is_chrome
from storage.policy.read_text import mark_control

_SKIP = {"head", "title", "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg",
         "button", "iframe", "input", "select"}
_PARA = {"p", "pre", "blockquote", "dt", "dd", "figcaption", "address", "caption", "summary"}
_INLINE = {"a", "abbr", "b", "strong", "em", "i", "u", "span", "small", "sup", "sub", "code", "mark", "br",
           "time", "q", "cite", "s", "del", "ins", "label", "font"}
_CHROME_NAME = re.compile(
    r"^(?:nav|navbar|navigation|menu|menus|main-menu|breadcrumbs?|cookies?|consent|banner|header|masthead|footer|"
    r"sidebar|side-bar|skip|skip-link|share|sharing|social|feedback|related|search|pagination|toolbar|logo|"
    r"site-header|site-footer|site-nav|cookie-banner|cookie-notice|utility|topbar)$"
)
_CHROME_PART = re.compile(r"(?:^|[-_])(?:nav|menu|breadcrumbs?|cookies?|sidebar|footer|masthead|skip|share|social|"
                          r"feedback)(?:$|[-_])")
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}


def _is_chrome_element(tag) -> bool:
    names = [*(tag.get("class") or []), tag.get("id") or ""]
    if (tag.get("role") or "").lower() in _CHROME_ROLES:
        return True
    for name in names:
        name = name.lower()
        if name and (_CHROME_NAME.match(name) or _CHROME_PART.search(name)):
            return True
    return False


def html_blocks(source: str) -> tuple[list[Block], str | None]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(source, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup.find_all(_SKIP):
        tag.decompose()
    for tag in [t for t in soup.find_all(True) if _is_chrome_element(t)]:
        if not tag.decomposed and not tag.find(["main", "article", "h1"]):
            tag.decompose()
    root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article") or soup.body or soup
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
        if is_chrome(text):
            return
        if multi_level_heading(text) or (bold and title_like(text)):
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
            if name in _INLINE:
                inline.append(text_of(child))
                continue
            flush()
            if re.fullmatch(r"h[1-6]", name):
                text = text_of(child)
                if text and not is_chrome(text):
                    blocks.append(Block("heading", text, int(name[1])))
            elif name in ("ul", "ol"):
                emit_list(child)
            elif name == "table":
                for tr in child.find_all("tr"):
                    cells = [text_of(c) for c in tr.find_all(["td", "th"])]
                    cells = [c for c in cells if c]
                    if cells:
                        blocks.append(Block("para", " | ".join(cells)))
            elif name in _PARA:
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
            if own and not is_chrome(own):
                blocks.append(Block("bullet", own))
            for nested in li.find_all(["ul", "ol"], recursive=False):
                emit_list(nested)

    walk(root)
    first = soup.find("h1")
    heading = first.get_text(" ", strip=True) if first else None
    if heading and (title is None or heading.lower() in title.lower()):
        title = heading  # "Driver Training", not "Driver Training | Westmoor ... Intranet"
    return mark_control(blocks), title
