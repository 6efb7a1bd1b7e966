"""Screenshots of every main page (phone and desktop, light and dark), and no sideways
scrolling on a phone.

The screenshots go to test-artifacts/screenshots/ (not committed) for a person to look
at. With GRADIENT_DOCS_SCREENSHOTS=1 the test also refreshes the README's curated set in
docs/screenshots/ (mostly the first screen; all 8-bit PNGs, so each stays small).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.browser.conftest import (
    DEMO_PASSWORD,
    ROOT,
    SCREENSHOTS,
    ContextFactory,
    by_person,
    log_in,
    main_pages,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Shot:
    """One screenshot's setting: a viewport and a colour scheme."""

    name: str
    width: int
    height: int
    scheme: str


PHONE_LIGHT = Shot("phone-light", 390, 844, "light")
PHONE_DARK = Shot("phone-dark", 390, 844, "dark")
DESKTOP_LIGHT = Shot("desktop-light", 1280, 800, "light")
DESKTOP_DARK = Shot("desktop-dark", 1280, 800, "dark")
SHOTS = [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT, PHONE_DARK]

DOCS = ROOT / "docs" / "screenshots"
# The README's set: (page, setting, whole page or the first screen, file name).
CURATED = [
    ("catalog", DESKTOP_LIGHT, False, "catalog-desktop-light.png"),
    ("track", DESKTOP_LIGHT, False, "track-desktop-light.png"),
    ("skill", DESKTOP_LIGHT, False, "skill-desktop-light.png"),
    ("map", DESKTOP_LIGHT, False, "map-desktop-light.png"),
    ("map", PHONE_LIGHT, False, "map-phone-light.png"),
    ("goal", DESKTOP_LIGHT, False, "goal-desktop-light.png"),
    ("goal", PHONE_LIGHT, False, "goal-phone-light.png"),
    ("goal-known", DESKTOP_LIGHT, False, "goal-known-desktop-light.png"),
    ("goal-known", PHONE_LIGHT, False, "goal-known-phone-light.png"),
    ("mentee", PHONE_LIGHT, False, "mentee-phone-light.png"),
    ("paths", DESKTOP_LIGHT, False, "paths-desktop-light.png"),
    ("dashboard", DESKTOP_LIGHT, False, "dashboard-desktop-light.png"),
    ("dashboard", DESKTOP_DARK, False, "dashboard-desktop-dark.png"),
    ("project", DESKTOP_LIGHT, True, "project-desktop-light.png"),
    ("project", PHONE_LIGHT, True, "project-phone-light.png"),
    ("project-edit", DESKTOP_LIGHT, True, "project-form-desktop-light.png"),
    ("portfolio", DESKTOP_LIGHT, True, "portfolio-desktop-light.png"),
    ("mentor-dashboard", DESKTOP_LIGHT, False, "mentor-dashboard-desktop-light.png"),
    ("mentor-dashboard", PHONE_LIGHT, False, "mentor-dashboard-phone-light.png"),
    ("mentee-skill", DESKTOP_LIGHT, False, "mentee-skill-desktop-light.png"),
    ("mentors", PHONE_LIGHT, False, "mentors-phone-light.png"),
    ("mentee", DESKTOP_LIGHT, False, "mentee-desktop-light.png"),
    ("dashboard", PHONE_LIGHT, False, "dashboard-phone-light.png"),
    ("skill", PHONE_DARK, False, "skill-phone-dark.png"),
    ("track", PHONE_LIGHT, False, "track-phone-light.png"),
    ("note", DESKTOP_LIGHT, True, "note-desktop-light.png"),
    ("skill-visitor", PHONE_LIGHT, False, "skill-visitor-phone-light.png"),
]

# Lists every element sticking out past the right edge of the viewport.
OVERFLOW_JS = """() => {
    const width = window.innerWidth;
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
        const box = el.getBoundingClientRect();
        if (box.right > width + 0.5 && box.width > 0) {
            // Inside a sideways scroller (a wide table, the calendar) is fine.
            let p = el.parentElement, scrolls = false;
            while (p && p !== document.body) {
                const o = getComputedStyle(p).overflowX;
                if (o === "auto" || o === "scroll" || o === "hidden") { scrolls = true; break; }
                p = p.parentElement;
            }
            const name = typeof el.className === "string" && el.className.trim()
                ? "." + el.className.trim().split(/\\s+/).join(".") : "";
            if (!scrolls) out.push(`${el.tagName.toLowerCase()}${name} right=${box.right}`);
        }
    }
    const scrollWidth = document.documentElement.scrollWidth;
    return {scrollWidth, innerWidth: width, out: out.slice(0, 8)};
}"""


def take(page: Page, shot: Shot, name: str) -> bytes:
    page.set_viewport_size({"width": shot.width, "height": shot.height})
    page.emulate_media(color_scheme=shot.scheme)  # type: ignore[arg-type]
    return page.screenshot(
        path=SCREENSHOTS / f"{name}-{shot.name}.png", full_page=True, animations="disabled"
    )


def small_png(png: bytes) -> bytes:
    """An 8-bit palette PNG: a screenshot of flat UI loses nothing visible."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True
    )
    return out.getvalue()


def test_every_main_page_fits_a_phone_and_is_photographed(
    demo: None, open_context: ContextFactory
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()  # the folder shows this run only
    update_docs = os.environ.get("GRADIENT_DOCS_SCREENSHOTS") == "1"
    overflowing = []
    for who, pages in by_person(main_pages()).items():
        page = open_context(viewport={"width": 1280, "height": 800}).new_page()
        if who:
            log_in(page, who, DEMO_PASSWORD)
        for main in pages:
            visit(page, main.path)
            for shot in SHOTS:
                take(page, shot, main.name)
                if shot.width < 600:
                    report = page.evaluate(OVERFLOW_JS)
                    if report["scrollWidth"] > report["innerWidth"]:
                        overflowing.append(f"{main.name} ({shot.name}): {report}")
            for name, shot, full_page, filename in CURATED:
                if update_docs and name == main.name:
                    page.set_viewport_size({"width": shot.width, "height": shot.height})
                    page.emulate_media(color_scheme=shot.scheme)  # type: ignore[arg-type]
                    page.evaluate("window.scrollTo(0, 0)")
                    png = page.screenshot(full_page=full_page, animations="disabled")
                    DOCS.mkdir(parents=True, exist_ok=True)
                    (DOCS / filename).write_bytes(small_png(png))
    assert not overflowing, "pages scroll sideways on a phone:\n" + "\n".join(overflowing)
