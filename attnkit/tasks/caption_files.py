"""Users' own captioned images: an image folder plus a captions file in the Flickr8k/COCO style,
one ``image<TAB>caption`` per line, several lines (captions) per image.

Each image becomes one example ``{"image": path, "caption": first caption, "references": every
caption of that image, "where": "file:line"}``; the references are what multi-reference BLEU
(``attnkit.metrics.bleu_multi``) scores a generated caption against. Errors name the captions
file and line: a line without a tab, an empty caption, a missing or unreadable image.

As ``data.format: captions`` (tasks/files.py) a spec is 'captions.txt' (images beside it) or
'captions.txt,FOLDER'; training reads one example per caption (each caption of an image is a
target), dev and test one per image with all its captions as references. Images are RGB,
letterboxed to CAPTION_IMAGE_SIZE.
"""

from __future__ import annotations

from pathlib import Path

from attnkit.data import DataError
from attnkit.tasks.schema import FieldSpec, Schema

CAPTION_IMAGE_SIZE = [64, 64]  # H, W every user image is letterboxed to (a small CNN on a CPU)


def captions_schema() -> Schema:
    """An RGB image (letterboxed to CAPTION_IMAGE_SIZE) -> a generated caption of words, scored
    by BLEU-1..4 against all references of an image, and exact match against the first."""
    return Schema({"image": FieldSpec("image", {"channels": 3, "size": CAPTION_IMAGE_SIZE, "resize": "letterbox"}),
                   "caption": FieldSpec("text", {"tokenizer": "word", "generated": True})},
                  inputs=("image",), output="caption", prediction="generate",
                  metrics=("bleu4", "bleu1", "bleu2", "bleu3", "exact_match"))


def read_caption_spec(spec: str, *, option: str, header: bool = False, strict: bool = False,
                      max_len: int | None = None) -> list[dict]:
    """'captions.txt' or 'captions.txt,FOLDER' -> examples: one per caption for ``option``
    data.train, one per image (all captions as its references) otherwise."""
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) > 2 or not all(parts):
        raise DataError(f"{option}: expected 'captions.txt' or 'captions.txt,IMAGE_FOLDER'; got {spec!r}")
    captions = Path(parts[0])
    folder = Path(parts[1]) if len(parts) == 2 else captions.parent
    if not captions.is_file():
        raise DataError(f"{option}: no such captions file: {captions}")
    if not folder.is_dir():
        raise DataError(f"{option}: no such image folder: {folder}")
    images = read_captions(captions, folder)
    if not option.endswith(".train"):
        return images
    return [{**image, "caption": caption} for image in images for caption in image["references"]]


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
