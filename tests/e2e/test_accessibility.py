"""axe-core finds no WCAG 2.1 A or AA violation on any page of the main journeys, in English
and in Russian, on a wide screen and on a phone.

axe-core is vendored from the npm registry (tests/e2e/vendor/README.md). The page's CSP forbids
injected scripts, so only these tests' browser contexts bypass it to add axe.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.journeys import PAGES

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ("en", "ru")
WIDTHS = (1280, 360)
CASES = [pytest.param(lang, width, role, path, id=f"{lang}-{width}-{role}-{name}")
         for lang in LANGUAGES for width in WIDTHS for role, name, path in PAGES]
RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})"""


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(node['target'])}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize(("lang", "width", "role", "path"), CASES)
def test_no_axe_violations(journeys, lang: str, width: int, role: str, path: str):
    page = journeys.open(role, lang, width, path, bypass_csp=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert not result["violations"], f"{page.url}\n{describe(result['violations'])}"
