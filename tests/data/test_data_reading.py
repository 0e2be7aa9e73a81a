"""read_parallel: every bad-input case names file and line; drops are counted, never silent."""

import re
import warnings

import pytest

from attnkit.data import DataError, DataWarning, Pair, read_parallel


def write(path, text: str | bytes):
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def test_tsv_and_two_files_read_the_same(tmp_path):
    tsv = write(tmp_path / "data.tsv", "hello world\thallo welt\r\ngood day\tguten tag\n")
    src = write(tmp_path / "src.txt", "hello world\ngood day\n")
    tgt = write(tmp_path / "tgt.txt", "hallo welt\nguten tag")
    expected = [Pair("hello world", "hallo welt"), Pair("good day", "guten tag")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing dropped -> no warning
        assert read_parallel(tsv)[0] == expected
        assert read_parallel(src, tgt)[0] == expected


def test_header_is_skipped_only_when_asked(tmp_path):
    tsv = write(tmp_path / "data.tsv", "en\tde\nyes\tja\n")
    assert read_parallel(tsv)[0][0] == Pair("en", "de")
    pairs, report = read_parallel(tsv, header=True)
    assert pairs == [Pair("yes", "ja")] and report.kept == 1


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=re.escape(f"{tmp_path / 'nope.tsv'}: file not found")):
        read_parallel(tmp_path / "nope.tsv")
    src = write(tmp_path / "src.txt", "a\n")
    with pytest.raises(DataError, match="tgt.txt: file not found"):
        read_parallel(src, tmp_path / "tgt.txt")


def test_non_utf8_names_line_and_byte_offset(tmp_path):
    path = write(tmp_path / "data.tsv", b"ok\tfine\nbad \xff byte\tx\n")
    with pytest.raises(DataError) as error:
        read_parallel(path)
    message = str(error.value)
    assert f"{path}:2:" in message and "UTF-8" in message and "byte offset 12" in message


def test_non_utf8_in_target_file(tmp_path):
    src = write(tmp_path / "src.txt", "a\nb\nc\n")
    tgt = write(tmp_path / "tgt.txt", b"a\nb\n\xc3(\n")
    with pytest.raises(DataError, match=re.escape(f"{tgt}:3:")):
        read_parallel(src, tgt)


def test_mismatched_line_counts_name_both_files_and_counts(tmp_path):
    src = write(tmp_path / "src.txt", "a\nb\nc\n")
    tgt = write(tmp_path / "tgt.txt", "a\nb\n")
    with pytest.raises(DataError, match=re.escape(f"{src} has 3 lines but {tgt} has 2")):
        read_parallel(src, tgt)


@pytest.mark.parametrize("line,tabs", [("no tab here", 0), ("a\tb\tc", 2)])
def test_bad_tsv_line(tmp_path, line, tabs):
    path = write(tmp_path / "data.tsv", f"x\ty\n{line}\n")
    with pytest.raises(DataError, match=re.escape(f"{path}:2: expected exactly one tab") + f".*found {tabs}"):
        read_parallel(path)


@pytest.mark.parametrize("content", ["", "\n\n", " \t \n"])
def test_file_without_usable_pairs(tmp_path, content):
    path = write(tmp_path / "data.tsv", content)
    with pytest.raises(DataError, match=re.escape(f"{path}: no usable pairs")), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_parallel(path)


def make_dirty(tmp_path):
    lines = ["a b\tx y", "\tempty source", "", "one two three four\tx", "c\t", "d\te", "p\tq r s t u"]
    return write(tmp_path / "data.tsv", "\n".join(lines) + "\n")


def test_empty_and_long_lines_are_dropped_with_counts(tmp_path):
    path = make_dirty(tmp_path)
    with pytest.warns(DataWarning, match=r"kept 2 pairs; dropped 3 with an empty side \(line 2, 3, 5\)"):
        pairs, report = read_parallel(path, max_len=3)
    assert pairs == [Pair("a b", "x y"), Pair("d", "e")]
    assert (report.kept, report.dropped_empty, report.dropped_long) == (2, 3, 2)
    assert report.empty_lines == [2, 3, 5] and report.long_lines == [4, 7]


def test_without_max_len_nothing_is_too_long(tmp_path):
    with pytest.warns(DataWarning):
        pairs, report = read_parallel(make_dirty(tmp_path))
    assert report.dropped_long == 0 and Pair("p", "q r s t u") in pairs  # kept whole, not truncated


def test_strict_mode_raises_at_first_offender(tmp_path):
    path = make_dirty(tmp_path)
    with pytest.raises(DataError, match=re.escape(f"{path}:2: empty source")):
        read_parallel(path, strict=True)
    src = write(tmp_path / "src.txt", "a\nb c d e\n")
    tgt = write(tmp_path / "tgt.txt", "x\ny\n")
    with pytest.raises(DataError, match=re.escape(f"{src}:2: long source (over max_len=2")):
        read_parallel(src, tgt, max_len=2, strict=True)
    tgt = write(tmp_path / "tgt2.txt", "\ny\n")
    with pytest.raises(DataError, match=re.escape(f"{tgt}:1: empty target")):
        read_parallel(src, tgt, strict=True)
