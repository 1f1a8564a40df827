"""Markdown a user typed, turned into HTML that is safe to show: raw HTML in the text is escaped
by the parser, and the result is cleaned again against an allow-list (nh3), so neither a <script>
nor a javascript: link nor an onclick survives."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
# No style attributes: the page's Content-Security-Policy would refuse them anyway.
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render(text: str, *, top_heading: int = 1) -> Markup:
    """`top_heading`: the level a "# heading" gets, so that text shown under a page's own h2 can
    start at h3 and keep the page's outline (each level below moves down with it, to h6 at most)."""
    tokens = _PARSER.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + top_heading - 1)}"
    html = _PARSER.renderer.render(tokens, _PARSER.options, {})
    cleaned = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer")
    return Markup(cleaned)  # noqa: S704  (cleaned against the allow-list just above)


def sections(text: str) -> list[tuple[int, str, str]]:
    """(level, heading, text under it up to the next heading) in order: the outline a clause list
    can start from. The text is the paragraphs' and list items' words, without formatting marks."""
    found: list[tuple[int, str, list[str]]] = []
    tokens = _PARSER.parse(text or "")
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            found.append((int(token.tag[1]), tokens[index + 1].content.strip(), []))
        elif token.type == "inline" and found and tokens[index - 1].type != "heading_open":
            words = "".join(child.content for child in token.children or () if child.type in ("text", "code_inline"))
            found[-1][2].append(words.strip())
    return [(level, heading, " ".join(part for part in parts if part)) for level, heading, parts in found]


def headings(text: str) -> list[tuple[int, str]]:
    return [(level, heading) for level, heading, _ in sections(text)]
