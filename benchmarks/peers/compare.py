"""attnkit against JoeyNMT 2.3.0 and OpenNMT-py 3.5.1: same data, model, batch and thread count.

    bash benchmarks/peers/setup.sh                         # once: the peers' venvs
    .venv/bin/python benchmarks/peers/prepare_data.py      # once: the shared pre-tokenised data
    .venv/bin/python benchmarks/peers/compare.py --model rnn --data debian --threads 1 --steps 300
    .venv/bin/python benchmarks/peers/compare.py --model rnn --data debian --threads 1 --minutes 2 \
        --tag budget                                       # the same wall-clock budget (see below)
    .venv/bin/python benchmarks/peers/report.py            # the tables for RESULTS.md

For each toolkit in turn (attnkit, joeynmt, opennmt, interleaved with --rounds) it writes the
toolkit's own config for the same model, trains for --steps updates with no validation inside
the timed window, then decodes the whole dev set greedily and with beam 5 (64 sentences a batch).
Every process runs with OMP_NUM_THREADS = MKL_NUM_THREADS = --threads and under
/usr/bin/time -v for its peak RSS. Measured: training target tokens/s (each toolkit's own
report: JoeyNMT's "Tokens per Sec" and OpenNMT-py's tgt tok/s per logging window, first window
left out; attnkit's tokens_per_s over the whole run, warm-up included), peak RSS of training and
decoding, decoding sentences/s (decoding time only, model loaded: JoeyNMT's "Generation took",
OpenNMT-py's "Total translation time", attnkit_decode.py's timer), dev BLEU / chrF (sacrebleu on
detokenised output) or exact match (reverse). Results go to work/results/*.json.

--minutes M: the same wall-clock budget. attnkit trains with train.max_minutes = M (its clock
includes its warm-up); a peer gets the number of updates its fastest measured throughput (over
the --steps runs with the same model, data and threads, every round) fits in M minutes of
training, its start-up not counted.

Model (a) rnn: 1-layer bidirectional GRU encoder (128 per direction, 256 together), Bahdanau
(mlp/additive) attention, 1-layer GRU decoder of 256 fed the previous attentional vector (input
feeding: attnkit's `luong` style, as both peers build it), embeddings 128, a bridge from the
encoder summary to the decoder's first state; attnkit draws the parameters from U(-0.1, 0.1)
(`model.init: uniform`, OpenNMT-py's default for RNNs) and, as OpenNMT-py does with mlp scores,
keeps the attentional vector linear (`model.attentional_tanh: false`).
(c) pointer_generator (issue 15; prepared, not run yet: `prepare_data.py summaries`, then
`compare.py --model pointer_generator --data summaries --toolkits attnkit,opennmt`): a 1-layer
bidirectional LSTM encoder (64 per direction), an LSTM decoder of 128 with input feeding (attnkit's
`luong` style, linear attentional vector), mlp/additive attention with coverage in the score, the
copy switch over a shared 10k-word vocabulary, the coverage loss with lambda 1 (OpenNMT-py:
copy_attn, reuse_copy_attn, coverage_attn, lambda_coverage; attnkit: pointer_generator with
coverage attention and coverage_loss); Adam 1e-3. JoeyNMT has no copying and is left out; dev is
scored by ROUGE (attnkit.metrics) instead of BLEU.
(b) transformer: 2+2 layers, d_model 256, 4 heads, ff 1024,
pre-LN, sinusoidal positions. All: Adam, constant learning rate (2e-3 rnn, 5e-4 transformer; no
plateau schedule: JoeyNMT's fails on torch 2.13), gradient norm clipped at 1, dropout 0.1,
no label smoothing, loss normalised by target tokens, 64 sentences a batch.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import sacrebleu
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = HERE / "work"
VENVS = HERE / ".venvs"
TOOLKITS = ("attnkit", "joeynmt", "opennmt")
LR = {"rnn": 2e-3, "transformer": 5e-4, "pointer_generator": 1e-3}
SUMMARY_VOCAB = 10000  # model (c): the shared vocabulary of both toolkits
BATCH = 64
DROPOUT = 0.1


# attnkit's decoder style for model (a): luong (additive scores, the attentional vector fed back as
# input) is the decoder both peers build; ATTNKIT_RNN_STYLE=bahdanau feeds the context instead
STYLE = os.environ.get("ATTNKIT_RNN_STYLE", "luong")
SETTINGS: list[tuple[str, object]] = []  # --attnkit-set overrides of attnkit's config
SEED = [0]  # --seed: every toolkit's training seed

# ---- configs ---------------------------------------------------------------------------------


def attnkit_config(model: str, data: Path, steps: int, threads: int, minutes: float | None) -> dict:
    if model == "rnn":
        net = {"type": "rnn", "style": STYLE, "cell": "gru", "embedding_dim": 128, "hidden_dim": 256,
               "bidirectional": True, "dropout": DROPOUT, "init": "uniform", "init_range": 0.1,
               **({"attentional_tanh": False} if STYLE == "luong" else {}),
               "attention": {"name": "additive"}}
    elif model == "pointer_generator":
        net = {"type": "pointer_generator", "copy": True, "coverage_loss": True, "style": STYLE, "cell": "lstm",
               "embedding_dim": 64, "hidden_dim": 128, "bidirectional": True, "dropout": DROPOUT,
               **({"attentional_tanh": False} if STYLE == "luong" else {}), "attention": {"name": "coverage"}}
    else:
        net = {"type": "transformer", "hidden_dim": 256, "num_heads": 4, "ff_dim": 1024, "encoder_layers": 2,
               "decoder_layers": 2, "dropout": DROPOUT, "norm": "pre", "positions": "sinusoidal"}
    config = {
        "model": net,
        "data": {"task": None, "train": f"{data}/train.src,{data}/train.tgt", "dev": f"{data}/dev.src,{data}/dev.tgt",
                 "tokenizer": "word", "max_len": 1000, "max_tokens": 4096, "max_sentences": BATCH},
        "train": {"optimizer": "adam", "lr": LR[model], "schedule": "constant", "clip_norm": 1.0,
                  "max_steps": steps, "max_minutes": minutes, "eval_every": steps, "eval_sentences": 1000,
                  "metric": "loss", "patience": None, "seed": SEED[0], "threads": threads, "progress": False,
                  "device": "cpu"},
        "decode": {"beam_size": 1, "batch_size": BATCH},
    }
    if model == "pointer_generator":
        config["data"].update(format="summaries", vocab_size=SUMMARY_VOCAB)
    for key, value in SETTINGS:  # --attnkit-set section.key=value
        section, name = key.split(".", 1)
        target = config[section] if "." not in name else config[section][name.split(".")[0]]
        target[name.split(".")[-1]] = value
    return config


def joeynmt_config(model: str, data: Path, run: Path, steps: int, beam: int = 1) -> dict:
    if model == "rnn":
        encoder = {"type": "recurrent", "rnn_type": "gru", "embeddings": {"embedding_dim": 128, "scale": False},
                   "hidden_size": 128, "bidirectional": True, "dropout": DROPOUT, "num_layers": 1}
        decoder = {"type": "recurrent", "rnn_type": "gru", "embeddings": {"embedding_dim": 128, "scale": False},
                   "hidden_size": 256, "dropout": DROPOUT, "hidden_dropout": DROPOUT, "num_layers": 1,
                   "input_feeding": True, "init_hidden": "bridge", "attention": "bahdanau"}
    else:
        layer = {"num_layers": 2, "num_heads": 4, "embeddings": {"embedding_dim": 256, "scale": True},
                 "hidden_size": 256, "ff_size": 1024, "dropout": DROPOUT, "layer_norm": "pre"}
        encoder, decoder = {"type": "transformer", **layer}, {"type": "transformer", **layer}
    side = {"level": "word", "voc_min_freq": 1, "voc_limit": 1_000_000, "max_length": 1000, "lowercase": False}
    return {
        "name": run.name, "joeynmt_version": "2.3.0", "model_dir": str(run / "model"), "use_cuda": False,
        "data": {"train": str(data / "train"), "dev": str(data / "dev"), "dataset_type": "plain",
                 "src": {"lang": "src", **side}, "trg": {"lang": "tgt", **side}},
        "testing": {"beam_size": beam, "beam_alpha": 1.0, "batch_size": BATCH, "batch_type": "sentence",
                    "eval_metrics": ["bleu"], "sacrebleu_cfg": {"tokenize": "13a"}},
        "training": {"random_seed": SEED[0], "optimizer": "adam", "learning_rate": LR[model],
                     "scheduling": "exponential", "decrease_factor": 1.0,  # = constant (no constant option)
                     "normalization": "tokens", "clip_grad_norm": 1.0, "batch_size": BATCH,
                     "batch_type": "sentence", "epochs": 1000, "updates": steps, "validation_freq": steps,
                     "logging_freq": 20, "early_stopping_metric": "loss", "keep_best_ckpts": 1,
                     "overwrite": True, "shuffle": True, "print_valid_sents": [], "label_smoothing": 0.0,
                     "num_workers": 0},
        "model": {"initializer": "xavier_uniform", "bias_initializer": "zeros", "init_gain": 1.0,
                  "embed_initializer": "xavier_uniform", "tied_embeddings": False, "tied_softmax": False,
                  "encoder": encoder, "decoder": decoder},
    }


def opennmt_config(model: str, data: Path, run: Path, steps: int) -> dict:
    if model == "rnn":
        net = {"encoder_type": "brnn", "decoder_type": "rnn", "rnn_type": "GRU", "layers": 1, "hidden_size": 256,
               "word_vec_size": 128, "global_attention": "mlp", "input_feed": 1, "bridge": True}
    else:
        net = {"encoder_type": "transformer", "decoder_type": "transformer", "layers": 2, "hidden_size": 256,
               "word_vec_size": 256, "heads": 4, "transformer_ff": 1024, "position_encoding": True,
               "param_init": 0.0, "param_init_glorot": True}
    vocab = 1_000_000
    if model == "pointer_generator":  # See et al. 2017 as OpenNMT-py builds it
        net = {"encoder_type": "brnn", "decoder_type": "rnn", "rnn_type": "LSTM", "layers": 1, "hidden_size": 128,
               "word_vec_size": 64, "global_attention": "mlp", "input_feed": 1, "bridge": True, "copy_attn": True,
               "reuse_copy_attn": True, "coverage_attn": True, "lambda_coverage": 1.0, "share_vocab": True}
        vocab = SUMMARY_VOCAB
    return {
        "save_data": str(run / "data"), "src_vocab": str(run / "vocab.src"), "tgt_vocab": str(run / "vocab.tgt"),
        "overwrite": True, "share_vocab": False, "src_vocab_size": vocab, "tgt_vocab_size": vocab,
        "words_min_frequency": 1, "src_seq_length": 1000, "tgt_seq_length": 1000,
        "data": {"corpus_1": {"path_src": str(data / "train.src"), "path_tgt": str(data / "train.tgt")}},
        "save_model": str(run / "model"), "save_checkpoint_steps": steps, "train_steps": steps,
        "valid_steps": 10 * steps + 1000, "report_every": 20, "seed": SEED[0], "batch_size": BATCH,
        "batch_type": "sents", "normalization": "tokens", "num_workers": 0, "optim": "adam",
        "learning_rate": LR[model], "max_grad_norm": 1.0, "dropout": [DROPOUT], "attention_dropout": [DROPOUT],
        "label_smoothing": 0.0, "world_size": 1, **net,
    }


# ---- running and measuring -------------------------------------------------------------------


def timed(command: list[str], threads: int, log: Path, env_extra: dict | None = None) -> dict:
    """Run under /usr/bin/time -v with the thread count fixed; returns wall seconds and peak RSS."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
           "PYTHONWARNINGS": "ignore", **(env_extra or {})}
    rusage = log.with_suffix(".time")
    start = time.perf_counter()
    with open(log, "w") as out:
        done = subprocess.run(["/usr/bin/time", "-v", "-o", str(rusage), *command], stdout=out,
                              stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n--- {log}:\n" + log.read_text()[-3000:])
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", rusage.read_text()).group(1))
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak / 1024, 1)}


def steady_mean(rates: list[float]) -> float:
    """Mean of the per-window rates, the first (warm-up) window left out when there are others."""
    rates = rates[1:] if len(rates) > 1 else rates
    return sum(rates) / len(rates) if rates else float("nan")


def score(data_name: str, data: Path, hypotheses_file: Path) -> dict:
    hypotheses = hypotheses_file.read_text(encoding="utf-8").splitlines()
    references = (data / "dev.ref").read_text(encoding="utf-8").splitlines()
    assert len(hypotheses) == len(references), (hypotheses_file, len(hypotheses), len(references))
    if data_name == "reverse":
        exact = sum(h.strip() == r.strip() for h, r in zip(hypotheses, references, strict=True))
        return {"exact_match": round(100 * exact / len(references), 2)}
    if data_name == "summaries":  # words already: no detokenising
        from attnkit.metrics import compute

        return {name: round(compute(name, hypotheses, references).value, 2) for name in ("rouge1", "rouge2", "rouge_l")}
    from attnkit.fields import load_tokenizer  # the same sentencepiece model detokenises every toolkit

    pieces = load_tokenizer(data / "spm.tgt")
    text = [pieces.decode(h.split()) for h in hypotheses]
    return {"bleu": round(sacrebleu.corpus_bleu(text, [references]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf(text, [references]).score, 2)}


def run_attnkit(model, data_name, data, run, steps, threads, minutes) -> dict:
    config = run / "config.yaml"
    config.write_text(yaml.safe_dump(attnkit_config(model, data, steps, threads, minutes), sort_keys=False))
    tree = {"PYTHONPATH": ATTNKIT_TREE[0]} if ATTNKIT_TREE else None  # another checkout's attnkit, same venv
    result = {"train": timed([str(ROOT / ".venv/bin/attnkit"), "train", str(config), "--run-dir",
                              str(run / "run")], threads, run / "train.log", tree)}
    last = json.loads((run / "run/metrics.jsonl").read_text().splitlines()[-1])
    result["train"].update(tok_s=last["tokens_per_s"], steps=last["step"], train_s=last["elapsed_s"])
    for beam in (1, 5):
        out = run / f"dev.beam{beam}.txt"
        log = run / f"decode.beam{beam}.log"
        precision = dict(SETTINGS).get("train.precision", "fp32")  # decode as it was trained
        measured = timed([str(ROOT / ".venv/bin/python"), str(HERE / "attnkit_decode.py"), str(run / "run"),
                          str(data / "dev.src"), str(out), "--beam", str(beam), "--threads", str(threads),
                          "--precision", precision], threads, log, tree)
        seconds = json.loads(log.read_text().strip().splitlines()[-1])["seconds"]
        result[f"beam{beam}"] = {**measured, "decode_s": round(seconds, 2), **score(data_name, data, out)}
    return result


def run_joeynmt(model, data_name, data, run, steps, threads, minutes) -> dict:
    python = str(VENVS / "joeynmt/bin/python")
    config = run / "config.yaml"
    config.write_text(yaml.safe_dump(joeynmt_config(model, data, run, steps), sort_keys=False))
    result = {"train": timed([python, "-m", "joeynmt", "train", str(config), "--skip-test"], threads,
                             run / "train.log")}
    text = (run / "train.log").read_text()
    rates = [float(x) for x in re.findall(r"Tokens per Sec:\s*([\d.]+)", text)]
    result["train"].update(tok_s=round(steady_mean(rates), 1), steps=steps)
    for beam in (1, 5):
        config = run / f"config.beam{beam}.yaml"
        config.write_text(yaml.safe_dump(joeynmt_config(model, data, run, steps, beam), sort_keys=False))
        log = run / f"decode.beam{beam}.log"
        measured = timed([python, "-m", "joeynmt", "test", str(config), "-o", str(run / f"out.beam{beam}")],
                         threads, log)
        seconds = float(re.findall(r"Generation took ([\d.]+)\[sec\]", log.read_text())[0])
        out = run / f"out.beam{beam}.dev"
        result[f"beam{beam}"] = {**measured, "decode_s": round(seconds, 2), **score(data_name, data, out)}
    return result


def run_opennmt(model, data_name, data, run, steps, threads, minutes) -> dict:
    bin_ = VENVS / "opennmt/bin"
    config = run / "config.yaml"
    config.write_text(yaml.safe_dump(opennmt_config(model, data, run, steps), sort_keys=False))
    timed([str(bin_ / "onmt_build_vocab"), "-config", str(config), "-n_sample", "-1"], threads,
          run / "vocab.log")
    result = {"train": timed([str(bin_ / "onmt_train"), "-config", str(config)], threads, run / "train.log")}
    text = (run / "train.log").read_text()
    rates = [float(x) for x in re.findall(r"[\d.]+/\s*([\d.]+) tok/s", text)]
    batch_tokens = [float(x) for x in re.findall(r"bsz:\s*[\d.]+/\s*([\d.]+)/", text)]
    result["train"].update(tok_s=round(steady_mean(rates), 1), steps=steps,
                           tokens_per_step=round(sum(batch_tokens) / max(len(batch_tokens), 1), 1))
    checkpoint = run / f"model_step_{steps}.pt"
    for beam in (1, 5):
        out = run / f"dev.beam{beam}.txt"
        log = run / f"decode.beam{beam}.log"
        measured = timed([str(bin_ / "onmt_translate"), "-model", str(checkpoint), "-src", str(data / "dev.src"),
                          "-output", str(out), "-beam_size", str(beam), "-batch_size", str(BATCH),
                          "-batch_type", "sents", "-report_time", "-gpu", "-1"], threads, log,
                         {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"})
        seconds = float(re.findall(r"Total translation time \(s\): ([\d.]+)", log.read_text())[0])
        result[f"beam{beam}"] = {**measured, "decode_s": round(seconds, 2), **score(data_name, data, out)}
    return result


ATTNKIT_TREE: list[str] = []  # --attnkit-tree: run attnkit from this checkout (before/after comparisons)
RUNNERS = {"attnkit": run_attnkit, "joeynmt": run_joeynmt, "opennmt": run_opennmt}


def load_results() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((WORK / "results").glob("*.json"))]


def budget_steps(toolkit: str, model: str, data_name: str, threads: int, minutes: float) -> int:
    """Updates that fit in ``minutes`` at the toolkit's fastest throughput among its fixed-steps runs
    (every round): the generous reading, so a slow measurement never shortens a peer's budget."""
    rates = []
    for r in load_results():
        if (r["toolkit"], r["model"], r["data"], r["threads"], r["tag"]) == (toolkit, model, data_name, threads,
                                                                           "steps"):
            tokens_per_step = r["train"].get("tokens_per_step") or r["tokens_per_step"]  # OpenNMT logs its own
            rates.append(r["train"]["tok_s"] / tokens_per_step)
    if not rates:
        sys.exit(f"no fixed-steps result for {toolkit} {model} {data_name} threads={threads}: run --steps first")
    steps = minutes * 60 * max(rates)
    return max(20, 20 * round(steps / 20))  # JoeyNMT wants a multiple of its logging_freq (20)


def tokens_per_step(data: Path) -> float:
    """Mean target tokens (EOS included) of a 64-sentence batch of the training data."""
    lengths = [len(line.split()) + 1 for line in (data / "train.tgt").read_text(encoding="utf-8").splitlines()]
    return sum(lengths) / len(lengths) * BATCH


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("rnn", "transformer", "pointer_generator"), default="rnn")
    parser.add_argument("--data", choices=("debian", "reverse", "summaries"), default="debian")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=None, help="the same wall-clock training budget")
    parser.add_argument("--toolkits", default=",".join(TOOLKITS))
    parser.add_argument("--rounds", type=int, default=1, help="repeat the toolkits in turn (interleaved)")
    parser.add_argument("--tag", default=None)
    parser.add_argument("--seed", type=int, default=0,
                        help="training seed of every toolkit (repeat budget runs over seeds: BLEU after a few "
                             "hundred updates moves by 1-2 points from seed to seed)")
    parser.add_argument("--attnkit-set", action="append", default=[], metavar="KEY=VALUE",
                        help="override attnkit's config, e.g. model.init=uniform (repeatable)")
    parser.add_argument("--attnkit-tree", default=None, metavar="DIR",
                        help="run attnkit from the checkout DIR (its package on PYTHONPATH, this venv): measure "
                             "a change against the code before it, e.g. a `git worktree` of the previous commit")
    args = parser.parse_args()
    SEED[0] = args.seed
    if args.attnkit_tree:
        ATTNKIT_TREE.append(str(Path(args.attnkit_tree).resolve()))
    for item in args.attnkit_set:
        key, _, value = item.partition("=")
        SETTINGS.append((key, yaml.safe_load(value)))
    data = WORK / "data" / args.data
    if not (data / "train.src").exists():
        sys.exit(f"{data} is missing: run benchmarks/peers/prepare_data.py first")
    if args.model == "pointer_generator" and "joeynmt" in args.toolkits.split(","):
        sys.exit("JoeyNMT has no copy attention: run --model pointer_generator with --toolkits attnkit,opennmt")
    tag = args.tag or ("budget" if args.minutes else "steps")
    (WORK / "results").mkdir(parents=True, exist_ok=True)
    for round_ in range(args.rounds):
        for toolkit in args.toolkits.split(","):
            steps = args.steps
            if args.minutes and toolkit != "attnkit":
                steps = budget_steps(toolkit, args.model, args.data, args.threads, args.minutes)
            elif args.minutes:
                steps = 1_000_000
            name = f"{args.data}-{args.model}-t{args.threads}-{tag}-{toolkit}-r{round_}"
            run = WORK / "runs" / name
            subprocess.run(["rm", "-rf", str(run)], check=True)
            run.mkdir(parents=True)
            load = os.getloadavg()
            result = RUNNERS[toolkit](args.model, args.data, data, run, steps, args.threads, args.minutes)
            result.update(toolkit=toolkit, model=args.model, data=args.data, threads=args.threads, tag=tag,
                          seed=args.seed,
                          round=round_, minutes=args.minutes, tokens_per_step=tokens_per_step(data),
                          load_before=[round(x, 2) for x in load], load_after=[round(x, 2) for x in os.getloadavg()],
                          date=time.strftime("%Y-%m-%d %H:%M:%S"))
            (WORK / "results" / f"{name}.json").write_text(json.dumps(result, indent=1))
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
