"""The `attnkit` command end to end, through subprocesses, on a tiny copy task: train ->
translate (greedy and n-best) -> evaluate -> plot, the listing commands, --help examples, and
every bad input ending with one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from attnkit.attention import names as mechanism_names
from attnkit.cli import build_parser, main
from attnkit.tasks import names as task_names

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT.parent / "shared" / "checks"
COMMAND = [sys.executable, "-m", "attnkit"]
TINY = {
    "model": {"style": "bahdanau", "embedding_dim": 8, "hidden_dim": 32, "dropout": 0.0,
              "attention": {"name": "additive"}},
    "data": {"task": "copy", "max_tokens": 120,
             "task_options": {"vocab_size": 5, "min_len": 1, "max_len": 4, "train_size": 200, "dev_size": 10,
                              "test_size": 12, "long_size": 4}},
    "train": {"max_steps": 10, "eval_every": 20, "eval_sentences": 10, "progress": False, "threads": 1},
}


def attnkit(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *map(str, args)], input=stdin, capture_output=True, text=True,
                          timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def config(workdir) -> Path:
    path = workdir / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run_dir(workdir, config) -> Path:
    """`attnkit train` with --set overrides (more steps than the file says, a different lr)."""
    directory = workdir / "run"
    result = attnkit("train", config, "--run-dir", directory, "--set", "train.max_steps=60",
                     "--set", "train.lr=0.01")
    assert result.returncode == 0, result.stderr
    assert "trained 60 steps (max_steps)" in result.stdout
    saved = yaml.safe_load((directory / "config.yaml").read_text(encoding="utf-8"))
    assert saved["train"]["max_steps"] == 60 and saved["train"]["lr"] == 0.01
    for name in ("checkpoints/best.pt", "checkpoints/last.pt", "metrics.jsonl", "run.json",
                 "fields/source/vocab.json"):
        assert (directory / name).is_file(), name
    return directory


def test_translate_writes_one_line_per_input_line(run_dir):
    sources = ["a b c", "", "d", "b b a e", "c"]
    result = attnkit("translate", run_dir, stdin="\n".join(sources) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == len(sources)
    symbols = set("abcde")
    assert all(set(line.split()) <= symbols for line in lines)


def test_translate_of_empty_input_is_empty(run_dir):
    result = attnkit("translate", run_dir, stdin="")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_translate_n_best(run_dir):
    result = attnkit("translate", run_dir, "--beam", "3", "--n-best", "2", stdin="a b\nc d e\n")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["0", "0", "1", "1"]
    assert all(len(r) == 4 and float(r[2]) <= 0 for r in rows)
    for _, text, log_prob, normalized in rows:  # ranked by log_prob / length (length_penalty 1), EOS counted
        assert float(normalized) == pytest.approx(float(log_prob) / (len(text.split()) + 1), abs=1e-3)
    assert rows[0][1] != rows[1][1] and rows[2][1] != rows[3][1]  # distinct hypotheses


def test_predict_prints_one_json_line_per_example_with_its_attention(run_dir):
    import json

    result = attnkit("predict", run_dir, stdin='{"source": "a zz b"}\n\n{"source": "c"}\n')
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2 and all(len(row) == 1 for row in rows)  # one hypothesis each (n-best 1)
    best = rows[0][0]
    assert set(best["output"].split()) <= set("abcde") and best["log_prob"] <= 0
    assert all(len(row) == 3 for row in best["attention"])  # one weight per source token, zz included
    bad = attnkit("predict", run_dir, stdin='{"text": "a"}\n')
    assert bad.returncode == 2 and "stdin:1: the example lacks source" in bad.stderr


def test_plot_labels_show_the_source_as_written(run_dir):
    """An unknown word keeps its own label (not <unk>), and a literal special token is a column."""
    from attnkit.run import open_run

    run = open_run(run_dir)
    best = run.translate(["a zz </s> b"])[0][0]
    assert best.source_tokens == ["a", "zz", "</s>", "b"]
    assert best.alignment.shape[1] == 4


def test_evaluate_prints_exact_match_and_a_length_table(run_dir):
    result = attnkit("evaluate", run_dir, "--split", "test")
    assert result.returncode == 0, result.stderr
    assert "exact_match" in result.stdout and "(12 examples, beam 1)" in result.stdout.splitlines()[0]
    assert "## exact_match by input length (tokens)" in result.stdout
    assert "source length" in result.stdout and "|---|" in result.stdout


def test_plot_writes_the_png_it_prints(run_dir):
    result = attnkit("plot", run_dir, "a b c")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.parent == run_dir / "plots"


def test_listing_commands(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert all(f"{name}:" in out for name in task_names())
    assert main(["mechanisms"]) == 0
    out = capsys.readouterr().out
    listed = {line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")}
    assert listed == set(mechanism_names()) and len(listed) == 13  # with ntm_addressing and coverage
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "model.attention.name" in out and "train.reinforce_entropy" in out and "decode.n_best" in out


def test_listing_commands_through_the_executable():
    result = attnkit("mechanisms")
    assert result.returncode == 0 and "local_p" in result.stdout and "multihead" in result.stdout


@pytest.mark.parametrize("command", sorted(build_parser()._subparsers._group_actions[0].choices))
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert "example" in capsys.readouterr().out


# ---- bad input: non-zero exit, one clear line naming the culprit, never a traceback ---------------


def bad_inputs(workdir: Path, config: Path, run_dir: Path) -> dict[str, tuple[list, str, str]]:
    """name -> (arguments, stdin, text the error line must contain)."""
    (workdir / "unknown.yaml").write_text("model:\n  hiden_dim: 8\n", encoding="utf-8")
    no_checkpoints = workdir / "no-checkpoints"
    if not no_checkpoints.exists():
        shutil.copytree(run_dir, no_checkpoints, ignore=shutil.ignore_patterns("checkpoints"))
    (workdir / "latin1.tsv").write_bytes("caf\xe9\tcoffee\n".encode("latin-1"))
    (workdir / "empty.tsv").write_text("", encoding="utf-8")
    (workdir / "empty.yaml").write_text(yaml.safe_dump({"data": {"task": None, "train": "empty.tsv"},
                                                        "train": {"progress": False}}), encoding="utf-8")
    return {
        "missing config": (["train", workdir / "nope.yaml"], "", "nope.yaml"),
        "unknown config key": (["train", workdir / "unknown.yaml"], "", "model.hiden_dim"),
        "bad --set value": (["train", config, "--set", "model.hidden_dim=big"], "", "model.hidden_dim"),
        "missing run dir": (["translate", workdir / "no-run"], "a\n", "no-run"),
        "unknown option": (["translate", run_dir, "--beem", "3"], "", "--beem"),
        "run dir without checkpoints": (["translate", no_checkpoints], "a\n", "best.pt"),
        "resume with nothing": (["train", config, "--run-dir", workdir / "fresh", "--resume"], "", "last.pt"),
        "run dir already holds a run": (["train", config, "--run-dir", run_dir], "", str(run_dir)),
        "evaluate non-UTF-8 data": (["evaluate", run_dir, "--data", workdir / "latin1.tsv"], "", "latin1.tsv:1"),
        "empty training file": (["train", workdir / "empty.yaml", "--run-dir", workdir / "e"], "", "empty.tsv"),
        "n-best above beam": (["translate", run_dir, "--beam", "2", "--n-best", "3"], "a\n", "--n-best"),
    }


def test_bad_inputs_fail_cleanly(workdir, config, run_dir):
    cases = bad_inputs(workdir, config, run_dir)
    # all at once: each is a fresh interpreter, and they do not depend on each other
    running = {name: subprocess.Popen([*COMMAND, *map(str, args)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, cwd=workdir)
               for name, (args, _, _) in cases.items()}
    failures = []
    for name, process in running.items():
        out, err = process.communicate(cases[name][1], timeout=300)
        lines = err.strip().splitlines()
        last = lines[-1] if lines else ""
        if process.returncode == 0 or "Traceback" in err or cases[name][2] not in last or "error" not in last:
            failures.append(f"{name}: exit {process.returncode}, stderr {err!r}")
        elif name != "unknown option" and len(lines) != 1:  # argparse adds its usage line
            failures.append(f"{name}: expected one line, got {err!r}")
    assert not failures, "\n".join(failures)
    assert not (workdir / "fresh").exists() and not (workdir / "e" / "checkpoints").exists()


def test_shared_cli_error_checks():
    script = CHECKS / "cli_errors.sh"
    if not script.is_file():
        pytest.skip(f"{script} is not here (the spec checks live beside the repository)")
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shared_attention_contract_checks():
    script = CHECKS / "attention_contract.py"
    if not script.is_file():
        pytest.skip(f"{script} is not here (the spec checks live beside the repository)")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout
