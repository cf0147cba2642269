"""What every browser test shares: axe-core checks and logging in through the login page."""
from __future__ import annotations

from tests import factories

BLOCKING = ("serious", "critical")


def serious_violations(page, axe_script) -> list[dict]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the page as it is now."""
    # Evaluated through the debugging protocol, so the page runs under its real CSP,
    # which (rightly) refuses an injected inline script.
    page.evaluate(axe_script.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})""")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def readable(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, axe_script, where: str = "") -> None:
    violations = serious_violations(page, axe_script)
    assert not violations, f"axe on {where or page.url}:\n{readable(violations)}"


def log_in(page, live_server, user) -> None:
    """Log in through the login form as a person would."""
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, "login failed"
