"""Users' own captioned images: an image folder plus a captions file in the Flickr8k/COCO style,
one ``image<TAB>caption`` per line, several lines (captions) per image.

Each image becomes one example ``{"image": path, "caption": first caption, "references": every
caption of that image, "where": "file:line"}``; the references are what multi-reference BLEU
(``attnkit.metrics.bleu_multi``) scores a generated caption against. Errors name the captions
file and line: a line without a tab, an empty caption, a missing or unreadable image.
"""

from __future__ import annotations

from pathlib import Path

from attnkit.data import DataError


def read_captions(captions: Path, folder: Path, *, check_images: bool = True) -> list[dict]:
    """``captions`` (image<TAB>caption lines; blank lines skipped) with images under ``folder``
    -> one example per image, in order of first appearance."""
    try:
        lines = Path(captions).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read captions file {captions}: {error}") from None
    examples: dict[str, dict] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{captions}:{number}"
        name, tab, caption = line.partition("\t")
        if not tab or not name.strip():
            raise DataError(f"{where}: expected 'image<TAB>caption'; got {line[:60]!r}")
        if not caption.strip():
            raise DataError(f"{where}: empty caption for image {name.strip()!r}")
        name = name.strip().split("#")[0]  # Flickr8k writes image.jpg#0 .. #4
        if name not in examples:
            path = Path(folder) / name
            if check_images:
                _check_image(path, where)
            examples[name] = {"image": str(path), "caption": caption.strip(), "references": [], "where": where}
        examples[name]["references"].append(caption.strip())
    if not examples:
        raise DataError(f"captions file {captions} holds no 'image<TAB>caption' line")
    return list(examples.values())


def _check_image(path: Path, where: str) -> None:
    """Refuse a missing or unreadable image, naming the captions line that asks for it."""
    if not path.is_file():
        raise DataError(f"{where}: image {path} does not exist")
    try:
        from PIL import Image
    except ImportError:
        raise DataError("reading images needs Pillow: pip install 'attnkit[vision]'") from None
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, ValueError) as error:
        raise DataError(f"{where}: cannot read image {path}: {error}") from None
