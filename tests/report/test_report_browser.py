"""The report in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by
Selenium. Loads without console errors; hovering or clicking an output token changes which source
tokens are highlighted, with that token's weights; saves a screenshot to tests/artifacts/.

Skipped, saying why, when selenium, chromium or chromedriver is missing (CI installs them: .ci/run).
"""

import shutil
from pathlib import Path

import pytest
from test_report_page import viewer_data

from attnkit.report import write_report

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1200,1600"]

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="headless Chromium needs the chromium and "
                                "chromium-driver packages (apt-get install -y chromium chromium-driver)")

SOURCE_STATE = """
return Array.from(document.querySelectorAll('#example-' + arguments[0] + ' .tok.src')).map(function (el) {
  return [el.style.backgroundColor, el.querySelector('.w').textContent, el.classList.contains('peak')];
});"""


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    yield driver
    driver.quit()


def _two_different_rows(example: dict) -> tuple[int, int]:
    """The first pair of output steps whose weight rows differ (to 2 decimals, as shown)."""
    rows = [[round(w, 2) for w in row] for row in example["weights"]]
    for j in range(1, len(rows)):
        if rows[j] != rows[0]:
            return 0, j
    pytest.fail(f"every output step of the example has the same weights {rows[0]}: nothing to tell apart")


def test_hover_and_click_highlight_the_attended_source_tokens(report_runs, tmp_path, browser):
    page = write_report(report_runs["attention"], tmp_path / "report.html", examples=4)
    example = viewer_data(page.read_text(encoding="utf-8"))[0]
    first, second = _two_different_rows(example)
    browser.get(page.as_uri())
    outputs = browser.find_elements(By.CSS_SELECTOR, "#example-0 .tok.out")
    assert len(outputs) == len(example["output"])
    before = browser.execute_script(SOURCE_STATE, 0)
    assert all(state == ["", "", False] for state in before)  # nothing highlighted yet

    ActionChains(browser).move_to_element(outputs[first]).perform()
    hovered = browser.execute_script(SOURCE_STATE, 0)
    assert [state[1] for state in hovered] == [f"{w:.2f}" for w in example["weights"][first]]
    assert all(state[0] for state in hovered)  # every source token shaded by its weight
    assert sum(state[2] for state in hovered) == 1  # exactly one most-attended token
    assert "selected" in outputs[first].get_attribute("class")

    outputs[second].click()  # click pins the token: leaving it keeps the highlight
    ActionChains(browser).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()
    pinned = browser.execute_script(SOURCE_STATE, 0)
    assert [state[1] for state in pinned] == [f"{w:.2f}" for w in example["weights"][second]]
    assert pinned != hovered

    browser.execute_script("document.getElementById('viewer').scrollIntoView()")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = tmp_path / "report-viewer.png"
    assert browser.save_screenshot(str(shot))
    shutil.copy(shot, ARTIFACTS / "report-viewer.png")
    assert shot.read_bytes()[:4] == b"\x89PNG"

    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
