"""What every browser journey does: sign in, check a page's accessibility, check it on a phone.

* ``sign_in_citizen(page, email)`` / ``sign_in_staff(page, email)`` — through the sign-in form;
  staff type a TOTP code computed from the seeded secret (``accounts.demo.demo_totp_secret``),
  never one this session already used (tests/e2e/portal.py ``fresh_totp_code``).
* ``assert_accessible(page)`` — axe-core (bundled with axe-playwright-python, nothing fetched)
  on the page as it is: no violation of impact serious or critical.
* ``assert_fits_phone(page)`` — at a phone viewport: nothing wider than the screen, and every
  link, button and form control of the main content, the header and the footer at least
  44 × 44 CSS pixels (links inside running text are exempt, as in WCAG 2.5.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.e2e.portal import fresh_totp_code

DEMO_DOMAIN = "demo.korlantas.id"
DEMO_PASSWORD = "demo-korlantas-2026"  # accounts.demo.DEMO_PASSWORD: demo accounts only


@dataclass(frozen=True)
class Viewport:
    width: int
    height: int
    mobile: bool = False


DESKTOP = Viewport(1280, 800)
PHONE = Viewport(360, 740, mobile=True)
MIN_TARGET = 44
SERIOUS = ("serious", "critical")


def demo(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


# --- signing in ---------------------------------------------------------------------------------


def sign_in_citizen(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/akun/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]:not([form])"
    ).click()
    page.wait_for_load_state()
    if "/akun/login/" in page.url:
        raise AssertionError(f"sign-in of {email} failed: still on {page.url}")


def sign_in_staff(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Password, then the second factor with a fresh TOTP code of the seeded secret."""
    page.goto("/akun/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]:not([form])"
    ).click()
    page.wait_for_url(re.compile(r"/akun/2fa/authenticate/"))
    page.locator("input[name=code]").fill(fresh_totp_code(email))
    page.locator("form").filter(has=page.locator("input[name=code]")).locator(
        "button[type=submit]:not([form])"
    ).click()
    page.wait_for_load_state()
    if "/akun/" in page.url:
        raise AssertionError(f"second factor of {email} refused: still on {page.url}")


def sign_out(page: Any) -> None:
    page.goto("/akun/logout/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


# --- accessibility ------------------------------------------------------------------------------


def axe_violations(page: Any, impacts: tuple[str, ...] = SERIOUS) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')!r}")
            lines.append(f"      {node.get('html', '')[:200]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Any, what: str = "") -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe found serious or critical violations on {what or page.url}:\n" + describe_violations(violations)
    )


# --- phones -------------------------------------------------------------------------------------

# Runs in the page: what is wider than the viewport, and which targets are too small. A link
# whose computed display is inline and that sits in running text (its parent has other text)
# is exempt, as WCAG exempts targets "in a sentence or block of text".
_PHONE_PROBE = """
(minTarget) => {
  const width = document.documentElement.clientWidth;
  const overflow = [];
  if (document.documentElement.scrollWidth > width) {
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') { clipped = true; break; }
      }
      if (!clipped && box.right > width + 1) overflow.push(describe(el, box));
    }
  }
  function describe(el, box) {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    const label = el.innerText || el.value || el.getAttribute('aria-label') || '';
    const text = label.trim().replace(/\\s+/g, ' ').slice(0, 40);
    const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}" ${size}`;
  }
  function inRunningText(el) {
    if (getComputedStyle(el).display !== 'inline') return false;
    const parent = el.parentElement;
    if (!parent) return false;
    const own = (el.innerText || '').trim();
    const all = (parent.innerText || '').trim();
    return all.length > own.length + 1;
  }
  const small = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.closest('.visually-hidden, .visually-hidden-focusable, .skip-link')) continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (inRunningText(el)) continue;
    // A checkbox or radio counts with its label: the label is part of the target.
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      const label = el.labels[0].getBoundingClientRect();
      const left = Math.min(box.left, label.left), right = Math.max(box.right, label.right);
      const top = Math.min(box.top, label.top), bottom = Math.max(box.bottom, label.bottom);
      box = {width: right - left, height: bottom - top};
    }
    if (box.width < minTarget - 0.5 || box.height < minTarget - 0.5) small.push(describe(el, box));
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, overflow: overflow.slice(0, 20), small};
}
"""


def phone_problems(page: Any) -> dict:
    return page.evaluate(_PHONE_PROBE, MIN_TARGET)


def assert_fits_phone(page: Any, what: str = "") -> None:
    found = phone_problems(page)
    problems = []
    if found["scrollWidth"] > found["width"]:
        problems.append(
            f"the page is {found['scrollWidth']} px wide on a {found['width']} px screen; widest parts:\n  "
            + "\n  ".join(found["overflow"])
        )
    if found["small"]:
        problems.append(f"touch targets under {MIN_TARGET} px:\n  " + "\n  ".join(found["small"]))
    assert not problems, f"on a phone, {what or page.url}:\n" + "\n".join(problems)
