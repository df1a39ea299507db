"""Playwright on the system Chromium, and the axe-core check every page must pass."""

from axe_playwright_python.sync_playwright import Axe

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

_axe = Axe()


def axe_violations(page) -> list[str]:
    """Every axe-core violation on the page as 'rule-id: help (n nodes)' lines."""
    results = _axe.run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        + ", ".join(str(n.get("target")) for n in v["nodes"][:3])
        + ")"
        for v in results.response["violations"]
    ]


# The spec's own bar (platform.md, "UI rules"), above WCAG's 24 px minimum: many partners
# are older drivers. A checkbox or radio button is measured by its label.
_SMALL_TARGETS_JS = """
(minimum) => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && style.display !== 'none'
      && box.width > 1 && box.height > 1;
  };
  const targetOf = (el) => {
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      const byFor = el.id && document.querySelector(`label[for="${el.id}"]`);
      return el.closest('label') || byFor || el;
    }
    return el;
  };
  const selector = 'a[href], button, summary, select, textarea,'
    + ' input:not([type=hidden])';
  return [...document.querySelectorAll(selector)]
    .filter((el) => !el.classList.contains('skip-link') && !el.closest('[hidden]'))
    .filter(visible)
    .map((el) => [el, targetOf(el).getBoundingClientRect()])
    .filter(([, box]) => box.width < minimum || box.height < minimum)
    .map(([el, box]) => `${el.tagName.toLowerCase()} "${(el.textContent || el.value
      || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40)}"`
      + ` ${Math.round(box.width)}x${Math.round(box.height)}`);
}
"""
MIN_TARGET_PX = 44
MIN_BASE_FONT_PX = 16


def small_tap_targets(page) -> list[str]:
    """Visible links, buttons and fields smaller than 44x44 CSS pixels."""
    return page.evaluate(_SMALL_TARGETS_JS, MIN_TARGET_PX)


def assert_accessible(page) -> None:
    """axe-core finds nothing, every tap target is at least 44x44, text starts at 16px."""
    violations = axe_violations(page)
    assert violations == [], f"axe violations on {page.url}:\n" + "\n".join(violations)
    small = small_tap_targets(page)
    assert small == [], f"tap targets under {MIN_TARGET_PX}px on {page.url}:\n" + "\n".join(small)
    base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert base >= MIN_BASE_FONT_PX, f"base font {base}px on {page.url}"


def assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
