"""A form renderer that draws the plainest widgets (text-like inputs, hidden inputs, file inputs
without a current file, textareas) in Python, and leaves every other template to Django's.

Through the template engine each widget is a template rendering of its own plus its attributes'
loop (about 0.3 ms each in a page): the message form of a conversation spent about a fifth of
the page there. The markup is the one Django's templates draw (see the tests); every value is
escaped as the templates escape it."""

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape


def _attrs(attrs: dict[str, Any]) -> str | None:
    """django/forms/widgets/attrs.html; None when a value is one its `stringformat:'s'` would
    not print as str() (a tuple)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        elif isinstance(value, tuple):
            return None
        else:
            parts.append(f' {conditional_escape(name)}="{escape(str(value))}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str | None:
    """django/forms/widgets/input.html (also hidden.html, file.html, text.html...)."""
    attrs = _attrs(widget["attrs"])
    value = widget["value"]
    if attrs is None or isinstance(value, tuple):
        return None
    shown = f' value="{escape(str(value))}"' if value is not None else ""
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{attrs}>'
    )


def _textarea(widget: dict[str, Any]) -> str | None:
    attrs = _attrs(widget["attrs"])
    if attrs is None:
        return None
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{attrs}>\n{value}</textarea>'


def _clearable_file(widget: dict[str, Any]) -> str | None:
    """Without a current file only: the plain input (its template prints no value)."""
    if widget.get("is_initial"):
        return None
    attrs = _attrs(widget["attrs"])
    if attrs is None:
        return None
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{attrs}>'
    )


_WIDGETS = "django/forms/widgets/"
DRAWN: dict[str, Callable[[dict[str, Any]], str | None]] = {
    f"{_WIDGETS}{name}.html": _input
    for name in ("input", "text", "hidden", "file", "email", "number", "password", "url", "tel")
} | {
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}clearable_file_input.html": _clearable_file,
}


class PlainWidgetsRenderer(DjangoTemplates):
    """DjangoTemplates, except for the widget templates in DRAWN (same markup)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        draw = DRAWN.get(template_name)
        widget = context.get("widget") if draw is not None else None
        if draw is not None and isinstance(widget, dict):
            html = draw(widget)
            if html is not None:
                return html
        return super().render(template_name, context, request)


plain_widgets = PlainWidgetsRenderer()
