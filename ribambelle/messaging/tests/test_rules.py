import pytest

from ribambelle.messaging.rules import body_html, is_blank, sanitize_html, text_to_html


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("<p>Bonjour</p>", "<p>Bonjour</p>"),
        (
            "<b>a</b><i>b</i><strong>c</strong><em>d</em>",
            "<b>a</b><i>b</i><strong>c</strong><em>d</em>",
        ),
        (
            "<ul><li>un</li></ul><ol><li>deux</li></ol>",
            "<ul><li>un</li></ul><ol><li>deux</li></ol>",
        ),
        ("a<br>b", "a<br>b"),
        ("<script>alert(1)</script>ok", "ok"),
        ('<p onclick="alert(1)" onmouseover="x()">ok</p>', "<p>ok</p>"),
        ('<img src="x" onerror="alert(1)">', ""),
        ('<a href="javascript:alert(1)">lien</a>', '<a rel="noopener noreferrer">lien</a>'),
        ('<a href=" JaVaScRiPt:alert(1)">lien</a>', '<a rel="noopener noreferrer">lien</a>'),
        ('<a href="data:text/html,x">lien</a>', '<a rel="noopener noreferrer">lien</a>'),
        (
            '<a href="https://ville.fr" target="_blank" rel="opener">lien</a>',
            '<a href="https://ville.fr" rel="noopener noreferrer">lien</a>',
        ),
        (
            '<a href="mailto:enfance@ville.fr">écrire</a>',
            '<a href="mailto:enfance@ville.fr" rel="noopener noreferrer">écrire</a>',
        ),
        ('<p style="background:url(javascript:alert(1))">x</p>', "<p>x</p>"),
        ("<style>body{display:none}</style>texte", "texte"),
        ('<div class="evil" id="x">texte</div>', "texte"),
        ("<svg onload=alert(1)><circle r=1 /></svg>ok", "ok"),
        ("<svg><script>alert(1)</script><a href='https://x'>y</a></svg>ok", "ok"),
        ("<iframe src='https://x'></iframe>ok", "ok"),
        ("<!-- commentaire -->ok", "ok"),
        ("<form><input name=x></form>ok", "ok"),
    ],
)
def test_sanitize_html(given, expected):
    assert sanitize_html(given) == expected


def test_sanitize_is_idempotent():
    once = sanitize_html('<p><a href="https://a.fr">a</a> <b>b</b></p><ul><li>c</li></ul>')
    assert sanitize_html(once) == once


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Bonjour", "<p>Bonjour</p>"),
        ("ligne 1\nligne 2", "<p>ligne 1<br>ligne 2</p>"),
        ("un\r\n\r\ndeux", "<p>un</p><p>deux</p>"),
        ("<script>x</script>", "<p>&lt;script&gt;x&lt;/script&gt;</p>"),
        ("   ", ""),
    ],
)
def test_text_to_html(given, expected):
    assert text_to_html(given) == expected


def test_plain_text_is_escaped_not_interpreted():
    assert body_html("<b>gras</b>", is_html=False) == "<p>&lt;b&gt;gras&lt;/b&gt;</p>"


@pytest.mark.parametrize(
    ("body", "blank"),
    [("", True), ("<p><br></p>", True), ("<p>&nbsp;</p>", True), ("<p>x</p>", False)],
)
def test_is_blank(body, blank):
    assert is_blank(body) is blank
