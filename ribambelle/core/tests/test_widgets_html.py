"""PlainWidgetsRenderer draws the plainest widgets in Python: the markup is the one Django's
widget templates draw, compared here with them, and any other widget is left to them."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from ribambelle.core.widgets_html import DRAWN, PlainWidgetsRenderer
from ribambelle.messaging.forms import NewMessageForm, ReplyForm

TRICKY = "Say \"hi\" <b>& bye</b>\n'quoted'"


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="Aide")
    optional = forms.CharField(required=False, widget=forms.TextInput(attrs={"disabled": True}))
    flags = forms.CharField(widget=forms.TextInput(attrs={"data-x": "", "hidden": False}))
    email = forms.EmailField()
    number = forms.IntegerField(min_value=0)
    decimal = forms.DecimalField()
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    url = forms.URLField()
    hidden = forms.CharField(widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    safe_body = forms.CharField(widget=forms.Textarea)
    file = forms.FileField(widget=forms.FileInput)
    clearable = forms.FileField(required=False)
    choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B <b>")])
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


DATA = {
    "text": TRICKY,
    "optional": "",
    "flags": "x",
    "email": "a&b@example.org",
    "number": "-3",
    "decimal": "1.50",
    "password": TRICKY,
    "url": "https://example.org/?a=1&b=2",
    "hidden": TRICKY,
    "body": TRICKY,
    "safe_body": mark_safe("<p>déjà sûr</p>"),
    "choice": "b",
    "date": "2026-01-31",
}


def _both(form_class, **kwargs) -> list[tuple[str, str]]:
    pairs = []
    for renderer in (DjangoTemplates(), PlainWidgetsRenderer()):
        form = form_class(renderer=renderer, **kwargs)
        pairs.append([str(field) for field in form])
    return list(zip(*pairs, strict=True))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"data": DATA},
        {"data": {}},
        {"initial": {**DATA, "clearable": "certificat.pdf"}},
        {"data": DATA, "files": {"file": SimpleUploadedFile("a.pdf", b"%PDF")}},
    ],
)
def test_same_markup_as_the_templates(kwargs):
    for reference, drawn in _both(Everything, **kwargs):
        assert drawn == reference


@pytest.mark.parametrize("form_class", [ReplyForm, NewMessageForm])
@pytest.mark.parametrize("data", [None, {"body": TRICKY, "subject": TRICKY}, {}])
def test_message_forms_same_markup(form_class, data):
    for reference, drawn in _both(form_class, data=data):
        assert drawn == reference
    assert isinstance(form_class().renderer, PlainWidgetsRenderer)


def test_other_templates_are_left_to_django():
    assert "django/forms/widgets/select.html" not in DRAWN
    form = Everything(renderer=PlainWidgetsRenderer())
    assert "<select" in str(form["choice"])


def test_drawn_without_the_templates(monkeypatch):
    """The plain widgets really are drawn in Python (no template rendering for them)."""
    rendered = []
    original = DjangoTemplates.render

    def spy(self, template_name, context, request=None):
        rendered.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    form = Everything(data=DATA, renderer=PlainWidgetsRenderer())
    for name in ("text", "email", "number", "password", "hidden", "body", "file", "clearable"):
        str(form[name])
    assert rendered == []
    for field in ReplyForm():
        str(field)
    assert rendered == []
