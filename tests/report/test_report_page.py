"""`attnkit report`: one self-contained HTML page."""

import json
import re

from attnkit.cli import main
from attnkit.report import write_report

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?!data:|#)([a-z][a-z0-9+.-]*:|//)""", re.I)


def viewer_data(page: str) -> list[dict]:
    block = re.search(r'<script type="application/json" id="alignment-data">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def test_report_is_self_contained(report_runs, tmp_path):
    path = write_report(report_runs["attention"], tmp_path / "report.html", examples=5)
    page = path.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "default-src 'none'" in page  # the CSP forbids any other source
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 2 and all(src.startswith("data:image/png;base64,") for src in images)
    assert "<link" not in page and "@import" not in page


def test_report_carries_the_examples_and_statistics(report_runs, tmp_path):
    page = write_report(report_runs["attention"], tmp_path / "r.html", examples=5).read_text(encoding="utf-8")
    examples = viewer_data(page)
    assert len(examples) == 5
    for example in examples:
        assert example["output"][-1] == "</s>"
        assert len(example["weights"]) == len(example["output"])
        assert all(len(row) == len(example["source"]) for row in example["weights"])
        assert all(abs(sum(row) - 1) < 0.01 for row in example["weights"])
    assert 'id="attention-stats"' in page and "alignment accuracy (%)" in page


def test_report_of_a_model_without_attention_says_so(report_runs, tmp_path, capsys):
    code = main(["report", str(report_runs["none"]), "--out", str(tmp_path / "none.html"), "--examples", "3"])
    assert code == 0
    page = (tmp_path / "none.html").read_text(encoding="utf-8")
    assert viewer_data(page) == []
    assert "n/a: this model has no attention" in page
    assert str(tmp_path / "none.html") in capsys.readouterr().out


def test_json_cannot_close_the_script_block():
    from attnkit.report.writer import Example, _json_block

    block = _json_block([Example(["</script>"], ["<!--"], [[1.0]], "x", True)])
    assert "</script>" not in block and "<!--" not in block
    assert json.loads(block)[0]["source"] == ["</script>"]
