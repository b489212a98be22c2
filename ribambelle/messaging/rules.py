"""Message bodies: the one safelist (DESIGN invariant 7), applied on write, so that the same
stored HTML renders identically in the portal, the staff inbox and nowhere else unchecked."""

import html
import re

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Elements whose text is code or markup, never message text: dropped with their content.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "svg", "math", "template", "noscript"})

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def sanitize_html(value: str) -> str:
    return nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def text_to_html(value: str) -> str:
    """A plain-text message (the textarea without JavaScript): escaped, blank lines make
    paragraphs and single line breaks make <br>."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part.strip() for part in _PARAGRAPH_BREAK.split(text) if part.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in part.split("\n")) + "</p>"
        for part in paragraphs
    )


def body_html(value: str, *, is_html: bool) -> str:
    return sanitize_html(value if is_html else text_to_html(value))


def is_blank(body: str) -> bool:
    """True when a sanitized body has no visible text."""
    return not html.unescape(nh3.clean(body, tags=set())).strip()
