"""One tiny digits-captions run (soft attention over a 1 x 4 grid of 8 x 8 cells), trained once
for the whole folder in a few seconds, and images written from its test split."""

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("PIL")

from caption_cases import TASK, tiny_caption_config  # noqa: E402

from attnkit.run import train  # noqa: E402


@pytest.fixture(scope="session")
def caption_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("caption-run") / "run"
    train(tiny_caption_config(), directory)
    return directory


@pytest.fixture(scope="session")
def canvases(tmp_path_factory):
    """Three of the task's test canvases as grey PNGs (path, caption)."""
    from PIL import Image

    from attnkit.tasks import get_task

    folder = tmp_path_factory.mktemp("canvases")
    found = []
    for i, example in enumerate(get_task("digits-captions", **TASK).split("test")[:3]):
        path = folder / f"canvas{i}.png"
        Image.fromarray(example["image"]).save(path)
        found.append((path, example["caption"]))
    return found
