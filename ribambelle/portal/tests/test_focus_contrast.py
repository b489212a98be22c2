"""The focus indicator stands out at 3:1 or more against every background it can sit on (WCAG
1.4.11), which axe does not check. Read from the stylesheets themselves: the focus rules' ring
(outline) and halo (box-shadow) colours, and every background colour declared."""

import re
from pathlib import Path

import pytest

import ribambelle

STYLESHEETS = sorted(Path(ribambelle.__file__).parent.glob("*/static/**/*.css"))
# Backgrounds that only ever appear inside the header (base.html): its dark band and the menu.
HEADER_SELECTORS = (".site-header", ".main-nav")
NAMED = {"white": "#ffffff", "black": "#000000"}
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|var\(--[\w-]+\)|\b(?:white|black)\b")


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first, second) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def parse_colour(text: str) -> tuple[float, float, float, float]:
    """(r, g, b, alpha) from #rgb, #rrggbb, rgb() or rgba()."""
    text = NAMED.get(text, text)
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) in (3, 4):
            digits = "".join(char * 2 for char in digits)
        values = [int(digits[index : index + 2], 16) for index in range(0, len(digits), 2)]
        alpha = values[3] / 255 if len(values) == 4 else 1.0
        return (values[0], values[1], values[2], alpha)
    numbers = [float(part) for part in re.findall(r"[\d.]+", text)]
    return (numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) == 4 else 1.0)


def over(colour, backdrop) -> tuple[float, float, float]:
    red, green, blue, alpha = colour
    return tuple(
        alpha * value + (1 - alpha) * below
        for value, below in zip((red, green, blue), backdrop, strict=True)
    )


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of every rule, @media blocks included."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip()] = value.strip()
        found.append((" ".join(selector.split()), declarations))
    return found


def all_rules():
    return [rule for sheet in STYLESHEETS for rule in rules(sheet.read_text(encoding="utf-8"))]


def custom_properties(selector_test) -> dict[str, str]:
    values = {}
    for selector, declarations in all_rules():
        if selector_test(selector):
            values.update({k: v for k, v in declarations.items() if k.startswith("--")})
    return values


def resolve(value: str, properties: dict[str, str]) -> str | None:
    """The first colour of a declaration, custom properties resolved."""
    for _round in range(5):
        match = COLOUR.search(value)
        if match is None:
            return None
        token = match.group(0)
        if not token.startswith("var("):
            return token
        value = properties[token[4:-1]]
    return None


def in_header(selector: str) -> bool:
    return any(part in selector for part in HEADER_SELECTORS)


ROOT = custom_properties(lambda selector: selector == ":root")
HEADER = {**ROOT, **custom_properties(lambda selector: selector in (".site-header",))}


def focus_rules():
    return [
        (selector, declarations)
        for selector, declarations in all_rules()
        if ":focus" in selector
        and "outline" in declarations
        and declarations["outline"] not in ("none", "0")
    ]


def backgrounds(properties, header: bool):
    """Every background colour declared where `header` says, made opaque over the solid ones."""
    colours = []
    for selector, declarations in all_rules():
        if in_header(selector) != header:
            continue
        for name in ("background", "background-color"):
            if name in declarations:
                colour = resolve(declarations[name], properties)
                if colour and colour != "transparent":
                    colours.append((selector, parse_colour(colour)))
    solid = [colour[:3] for _selector, colour in colours if colour[3] == 1] or [(255, 255, 255)]
    result = []
    for selector, colour in colours:
        backdrops = [colour[:3]] if colour[3] == 1 else [over(colour, below) for below in solid]
        result.extend((selector, backdrop) for backdrop in backdrops)
    return result


def test_stylesheets_are_found():
    names = {sheet.name for sheet in STYLESHEETS}
    assert {"app.css", "messaging.css"} <= names
    assert focus_rules()


@pytest.mark.parametrize("properties", [ROOT, HEADER], ids=["page", "header"])
def test_every_focus_rule_has_a_ring_and_a_halo_that_differ(properties):
    for selector, declarations in focus_rules():
        ring = resolve(declarations["outline"], properties)
        halo = resolve(declarations.get("box-shadow", ""), properties)
        assert ring and halo, f"{selector}: a two-colour indicator (outline and box-shadow)"
        ratio = contrast(parse_colour(ring)[:3], parse_colour(halo)[:3])
        assert ratio >= 3, f"{selector}: ring {ring} on halo {halo} is {ratio:.2f}:1"


@pytest.mark.parametrize(
    ("properties", "header"), [(ROOT, False), (HEADER, True)], ids=["page", "header"]
)
def test_focus_indicator_stands_out_on_every_background(properties, header):
    """Outside the header the ring sits on light backgrounds and the halo on dark ones (a
    primary button, a pressed presence button); in the header the colours swap."""
    failures = []
    for selector, declarations in focus_rules():
        ring = parse_colour(resolve(declarations["outline"], properties))[:3]
        halo_value = resolve(declarations.get("box-shadow", ""), properties)
        halo = parse_colour(halo_value)[:3] if halo_value else None
        for background_selector, background in backgrounds(properties, header):
            best = max(contrast(ring, background), contrast(halo, background) if halo else 0.0)
            if best < 3:
                failures.append(
                    f"{selector} on {background_selector} "
                    f"rgb{tuple(round(v) for v in background)}: {best:.2f}:1"
                )
    assert not failures, "\n".join(failures)


def test_header_ring_itself_stands_out_on_the_header():
    """In the header the outer ring is what meets the band: it alone must reach 3:1."""
    ring = parse_colour(resolve("var(--focus-ring)", HEADER))[:3]
    for selector, background in backgrounds(HEADER, header=True):
        assert contrast(ring, background) >= 3, selector


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("#ffffff", "#000000", 21.0), ("#f2a900", "#ffffff", 2.0), ("#767676", "#ffffff", 4.54)],
)
def test_contrast_formula(first, second, expected):
    assert contrast(parse_colour(first)[:3], parse_colour(second)[:3]) == pytest.approx(
        expected, abs=0.05
    )
