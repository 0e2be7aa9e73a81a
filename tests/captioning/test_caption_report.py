"""The HTML report of a captioning run: each viewer example carries its image and grid, and in
headless Chromium hovering a word shades the grid's cells over the picture by that word's
weights (the most-attended cell outlined); clicking pins it."""

import re
import shutil
from pathlib import Path

import pytest
from caption_cases import GRID

from attnkit.report import write_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def viewer_examples(page: str) -> list[dict]:
    import json

    block = re.search(r'<script type="application/json" id="alignment-data">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def test_the_viewer_examples_carry_the_picture_and_its_grid(caption_run, tmp_path):
    page = write_report(caption_run, tmp_path / "report.html", examples=3).read_text(encoding="utf-8")
    examples = viewer_examples(page)
    assert len(examples) == 3
    for example in examples:
        picture = example["picture"]
        assert picture["png"].startswith("data:image/png;base64,")
        assert (picture["height"], picture["width"], picture["grid"]) == (8, 32, list(GRID))
        assert len(example["source"]) == GRID[0] * GRID[1]
        assert all(len(row) == GRID[0] * GRID[1] for row in example["weights"])
    assert "http://" not in page and "https://" not in page


webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1200,1600"]
CELL_STATE = """
return Array.from(document.querySelectorAll('#example-' + arguments[0] + ' .picture .tok.src.cell')).map(
  function (el) { return [el.style.backgroundColor, el.classList.contains('peak'), el.title]; });"""


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


def _alpha(colour: str) -> float:
    """The alpha of an 'rgba(r, g, b, a)' colour (1 for 'rgb(...)')."""
    values = re.findall(r"[\d.]+", colour)
    return float(values[3]) if len(values) == 4 else 1.0


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="headless Chromium needs the chromium and chromium-driver "
                    "packages (apt-get install -y chromium chromium-driver)")
def test_hovering_a_word_shades_its_map_over_the_image(caption_run, tmp_path, browser):
    page = write_report(caption_run, tmp_path / "report.html", examples=3)
    example = viewer_examples(page.read_text(encoding="utf-8"))[0]
    browser.get(page.as_uri())
    assert browser.find_elements(By.CSS_SELECTOR, "#example-0 .picture img")
    assert not browser.find_elements(By.CSS_SELECTOR, "#example-0 .src-row")  # the picture replaces the tokens
    words = browser.find_elements(By.CSS_SELECTOR, "#example-0 .tok.out")
    assert len(words) == len(example["output"])
    assert all(state == ["", False, name] for state, name in
               zip(browser.execute_script(CELL_STATE, 0), example["source"], strict=True))

    ActionChains(browser).move_to_element(words[0]).perform()
    hovered = browser.execute_script(CELL_STATE, 0)
    row = example["weights"][0]
    peak = row.index(max(row))
    assert [state[1] for state in hovered] == [i == peak for i in range(len(row))]  # the peak cell outlined
    alphas = [_alpha(state[0]) for state in hovered]
    assert alphas[peak] == pytest.approx(0.75, abs=0.01)  # shaded relative to the word's largest weight
    assert all(a == pytest.approx(0.75 * w / row[peak], abs=0.01) for a, w in zip(alphas, row, strict=True))
    assert [state[2] for state in hovered] == [f"{name}: {w:.2f}" for name, w in zip(example["source"], row,
                                                                                      strict=True)]

    last = len(words) - 1
    words[last].click()  # pinned: moving away keeps the last word's map
    ActionChains(browser).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()
    pinned = browser.execute_script(CELL_STATE, 0)
    assert [state[2] for state in pinned] == [f"{name}: {w:.2f}" for name, w in
                                              zip(example["source"], example["weights"][last], strict=True)]

    browser.execute_script("document.getElementById('example-0').scrollIntoView()")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = tmp_path / "report-caption.png"
    assert browser.save_screenshot(str(shot))
    shutil.copy(shot, ARTIFACTS / "report-caption.png")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
