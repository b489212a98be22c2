"""The parts of the shell that every page draws, drawn here rather than in `base.html`: the
account menu, the main band and the footer. The template engine took about a millisecond for
them on every page, a tenth of a family page (issue 15). The markup is the one the template
drew (see the tests); every text is escaped here, the rest is constant markup.

The URLs of the shell are memoized: `reverse` is a pure function of the URL configuration, the
script prefix, the route's name and the municipality's slug, and it was the shell's largest
cost after the template itself."""

import html
from functools import lru_cache

from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info, gettext


def escape(text: object) -> str:
    """Django's escape, without its wrapper for lazy strings."""
    return html.escape(str(text))


@lru_cache(maxsize=4096)
def _reverse(urlconf: str | None, prefix: str, name: str, slug: str | None) -> str:
    return reverse(name, kwargs={"municipality_slug": slug} if slug is not None else None)


def shell_url(name: str, slug: str | None = None) -> str:
    """`reverse(name, kwargs={"municipality_slug": slug})`, memoized."""
    return _reverse(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name, slug)


@lru_cache(maxsize=8)
def _languages(languages: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Each language's code and its own name, as `get_language_info_list` and `capfirst` gave
    them to the template."""
    return tuple(
        (code, escape(capfirst(get_language_info(code)["name_local"]))) for code, _name in languages
    )


def _csrf_input(context) -> str:
    return str(CsrfTokenNode().render(context))


def account_menu(context) -> SafeString:
    """The account menu ("Mon compte", "Se déconnecter") of a user signed in here."""
    if not context.get("signed_in"):
        return mark_safe("")
    slug = context["municipality"].slug
    email = escape(context["user"].email)
    # Texts outside the f-strings, where xgettext finds them.
    account, sign_out = escape(gettext("Mon compte")), escape(gettext("Se déconnecter"))
    return mark_safe(  # noqa: S308 - every text above is escaped
        '<div class="account-menu">\n'
        f'<a href="{escape(shell_url("accounts:account", slug))}">{account}'
        f'<span class="visually-hidden"> ({email})</span></a>\n'
        f'<form method="post" action="{escape(shell_url("accounts:logout", slug))}">\n'
        f"{_csrf_input(context)}\n"
        f'<button type="submit" class="link-button">{sign_out}</button>\n'
        "</form>\n"
        "</div>"
    )


def main_nav(context) -> SafeString:
    """The main band (families: a bar at the bottom of a phone's screen, with "Plus")."""
    nav = context.get("nav")
    if not nav:
        return mark_safe("")
    more = context.get("nav_more") or []
    band, plus = escape(gettext("Menu principal")), escape(gettext("Plus"))
    parts = [
        f'<nav class="main-nav{" main-nav--bar" if more else ""}" '
        f'aria-label="{band}">\n<ul class="main-nav__list">\n'
    ]
    for item in nav:
        extra = ' class="main-nav__extra"' if item["more"] else ""
        current = ' aria-current="page"' if item["current"] else ""
        url, label = escape(item["url"]), escape(item["label"])
        parts.append(f'<li{extra}><a href="{url}"{current}>{label}</a></li>\n')
    if more:
        summary_class = "".join(' class="main-nav__current"' for item in more if item["current"])
        labels = ", ".join(escape(item["label"]) for item in more)
        parts.append(
            '<li class="main-nav__more-item">\n<details class="main-nav__more">\n'
            f"<summary{summary_class}>{plus}"
            f'<span class="visually-hidden"> : {labels}</span></summary>\n<ul>\n'
        )
        for item in more:
            current = ' aria-current="page"' if item["current"] else ""
            parts.append(
                f'<li><a href="{escape(item["url"])}"{current}>{escape(item["label"])}</a></li>\n'
            )
        parts.append("</ul>\n</details>\n</li>\n")
    parts.append("</ul>\n</nav>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def footer(context) -> SafeString:
    """The municipality's contact line, the choice of language and the licence."""
    parts = ['<footer class="site-footer">\n']
    municipality = context.get("municipality")
    if municipality:
        line = escape(municipality.name)
        if municipality.phone:
            phone = escape(municipality.phone)
            line += f' · <a href="tel:{escape(municipality.phone.replace(" ", ""))}">{phone}</a>'
        if municipality.email:
            email = escape(municipality.email)
            line += f' · <a href="mailto:{email}">{email}</a>'
        parts.append(f"<p>{line}</p>\n")
    request = context["request"]
    current = get_language()
    language, change = escape(gettext("Langue")), escape(gettext("Changer"))
    powered = escape(gettext("Propulsé par Ribambelle, logiciel libre (AGPL)."))
    options = "".join(
        f'<option value="{code}" lang="{code}"{" selected" if code == current else ""}>'
        f"{name}</option>\n"
        for code, name in _languages(tuple(settings.LANGUAGES))
    )
    parts.append(
        f'<form action="{escape(shell_url("set_language"))}" method="post" '
        'class="language-form">\n'
        f"{_csrf_input(context)}\n"
        f'<input name="next" type="hidden" value="{escape(request.get_full_path())}">\n'
        f'<label for="language">{language}</label>\n'
        f'<select name="language" id="language">\n{options}</select>\n'
        f'<button type="submit" class="button button--small">{change}'
        "</button>\n</form>\n"
        '<p class="site-footer__powered">'
        f"{powered}</p>\n"
        "</footer>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
