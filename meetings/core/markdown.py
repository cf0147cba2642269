"""Markdown to safe HTML (raw HTML is sanitised, links get rel="nofollow noopener"), or to plain text."""
from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}


def render_markdown(text: str | None) -> Markup:
    """Render Markdown and keep only harmless HTML (no scripts, handlers or javascript: URLs)."""
    if not text:
        return Markup("")
    html = _md.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return Markup(clean)


_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str | None) -> str:
    """Markdown as plain text, for places that show no HTML (calendar descriptions):
    paragraphs and list items on lines of their own, emphasis dropped, raw HTML tags
    removed, each link written as its text followed by its address (or the address alone)."""
    if not text:
        return ""
    blocks: list[tuple[str, int | None]] = []  # (text, the top-level list it belongs to)
    prefixes: list[str] = []  # one per open list: "-" or the next number
    item_prefix, lists = "", 0
    for token in _md.parse(text):
        group = lists if prefixes else None
        if token.type in ("bullet_list_open", "ordered_list_open"):
            if not prefixes:
                lists += 1
            prefixes.append("-" if token.type == "bullet_list_open" else str(int(token.attrGet("start") or 1)))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            prefixes.pop()
        elif token.type == "list_item_open":
            marker = prefixes[-1]
            item_prefix = "  " * (len(prefixes) - 1) + (f"{marker}." if marker != "-" else "-") + " "
            if marker != "-":
                prefixes[-1] = str(int(marker) + 1)
        elif token.type == "inline":
            line = _inline_text(token.children or [])
            if item_prefix:
                line, item_prefix = item_prefix + line, ""
            blocks.append((line, group))
        elif token.type in ("fence", "code_block"):
            blocks.append((token.content.rstrip("\n"), group))
        elif token.type == "html_block":
            stripped = html.unescape(_TAG.sub("", token.content)).strip()
            if stripped:
                blocks.append((stripped, group))
    # The items of one list stay together; other blocks are separated by an empty line.
    out: list[str] = []
    previous: int | None = None
    for block, group in blocks:
        if out:
            out.append("\n" if group is not None and group == previous else "\n\n")
        out.append(block)
        previous = group
    return "".join(out).strip()


def _inline_text(children) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its text starts in parts)
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            label = "".join(parts[start:])
            del parts[start:]
            parts.append(href if not label or label == href or f"mailto:{label}" == href
                         else f"{label} ({href})")
        elif child.type == "image":
            alt = "".join(c.content for c in child.children or [])
            src = str(child.attrGet("src") or "")
            parts.append(f"{alt} ({src})" if alt else src)
        elif child.type == "html_inline":
            continue
    return "".join(parts)
