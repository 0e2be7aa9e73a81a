"""attnkit against JoeyNMT 2.3.0 and OpenNMT-py 3.5.1: same data, model, batch and thread count.

    bash benchmarks/peers/setup.sh                         # once: the peers' venvs
    .venv/bin/python benchmarks/peers/prepare_data.py      # once: the shared pre-tokenised data
    .venv/bin/python benchmarks/peers/compare.py --model rnn --data debian --threads 1 --steps 300
    .venv/bin/python benchmarks/peers/compare.py --model rnn --data debian --threads 1 --minutes 3 \
        --seed 1 --tag budget-s1                           # the same wall-clock budget (see below), seed 1
                                                           # seeds 0-2: tags budget, budget-s1, budget-s2
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

--minutes M: the same wall-clock budget, each toolkit by its own training clock. attnkit trains
with train.max_minutes = M (its clock starts with its first update, warm-up included). A peer
trains with an unbounded number of updates, writing a checkpoint every --save-every updates; the
harness starts its clock when the peer's log says its training loop began (OpenNMT-py "Start
training loop", JoeyNMT "EPOCH 1"), stops the process M minutes later, and scores the checkpoint
written last at or before that moment (its actual training seconds are recorded beside
attnkit's). JoeyNMT writes checkpoints only when it validates, so in budget runs it validates on
the first 8 dev sentences (the cost of that stays inside its clock).

Every run scores the dev and the test set (test: held out, never looked at while choosing
settings). report.py adds paired-bootstrap 95% confidence intervals of the BLEU differences
(benchmarks/peers/significance.py, sacrebleu's statistics).

Fair settings for this corpus size: OpenNMT-py's `bucket_size` is the number of training pairs
(its default, 262,144, holds dozens of copies of a 7k-pair corpus and drops examples of rare
lengths); every RNN, in every toolkit, draws its parameters from U(-0.1, 0.1) (OpenNMT-py's
RNN default; JoeyNMT `initializer: uniform`, `init_weight: 0.1` for weights, embeddings and
biases); the Transformers keep each toolkit's own initialisation (Glorot/Xavier in all three).
Batches are 64 sentences in every toolkit (attnkit without a token cap), so an update sees the
same number of sentences everywhere.

Model (a) rnn: 1-layer bidirectional GRU encoder (128 per direction, 256 together), Bahdanau
(mlp/additive) attention, 1-layer GRU decoder of 256 fed the previous attentional vector (input
feeding: attnkit's `luong` style, as both peers build it), embeddings 128, a bridge from the
encoder summary to the decoder's first state; attnkit draws the parameters from U(-0.1, 0.1)
(`model.init: uniform`, OpenNMT-py's default for RNNs) and, as OpenNMT-py does with mlp scores,
keeps the attentional vector linear (`model.attentional_tanh: false`).
(c) pointer_generator (issue 15; measured in RESULTS.md: `prepare_data.py summaries`, then
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
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import sacrebleu
import yaml
from clock import train_for

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
SAVE_EVERY = [50]  # --save-every: a peer's checkpoint interval in budget runs
UNBOUNDED = 10_000_000  # "train until stopped"

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
                 "tokenizer": "word", "max_len": 1000, "max_tokens": 1_000_000, "max_sentences": BATCH},
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


def joeynmt_config(model: str, data: Path, run: Path, steps: int, beam: int = 1, budget: bool = False,
                   dev: Path | None = None, checkpoint: str | None = None) -> dict:
    """JoeyNMT's config for ``model``. ``budget``: unbounded updates, validating (and so writing a
    checkpoint) every SAVE_EVERY updates; ``dev``: the validation files' stem (default data / "dev");
    ``checkpoint``: the one `joeynmt test` decodes with (default: its latest)."""
    if model == "rnn":
        encoder = {"type": "recurrent", "rnn_type": "gru", "embeddings": {"embedding_dim": 128, "scale": False},
                   "hidden_size": 128, "bidirectional": True, "dropout": DROPOUT, "num_layers": 1}
        decoder = {"type": "recurrent", "rnn_type": "gru", "embeddings": {"embedding_dim": 128, "scale": False},
                   "hidden_size": 256, "dropout": DROPOUT, "hidden_dropout": DROPOUT, "num_layers": 1,
                   "input_feeding": True, "init_hidden": "bridge", "attention": "bahdanau"}
        # U(-0.1, 0.1) for every parameter, as attnkit's and OpenNMT-py's RNNs
        init = {"initializer": "uniform", "init_weight": 0.1, "embed_initializer": "uniform",
                "embed_init_weight": 0.1, "bias_initializer": "uniform", "bias_init_weight": 0.1}
    else:
        layer = {"num_layers": 2, "num_heads": 4, "embeddings": {"embedding_dim": 256, "scale": True},
                 "hidden_size": 256, "ff_size": 1024, "dropout": DROPOUT, "layer_norm": "pre"}
        encoder, decoder = {"type": "transformer", **layer}, {"type": "transformer", **layer}
        init = {"initializer": "xavier_uniform", "bias_initializer": "zeros", "init_gain": 1.0,
                "embed_initializer": "xavier_uniform"}
    side = {"level": "word", "voc_min_freq": 1, "voc_limit": 1_000_000, "max_length": 1000, "lowercase": False}
    validation = {"validation_freq": SAVE_EVERY[0], "keep_best_ckpts": -1} if budget else {
        "validation_freq": steps, "keep_best_ckpts": 1}
    # JoeyNMT refuses a validation interval that its logging interval does not divide
    logging = math.gcd(20, validation["validation_freq"])
    dev = dev or data / "dev"
    return {
        "name": run.name, "joeynmt_version": "2.3.0", "model_dir": str(run / "model"), "use_cuda": False,
        "data": {"train": str(data / "train"), "dev": str(dev), "test": str(data / "test"),
                 "dataset_type": "plain", "src": {"lang": "src", **side}, "trg": {"lang": "tgt", **side}},
        "testing": {**({"load_model": checkpoint} if checkpoint else {}), "beam_size": beam, "beam_alpha": 1.0,
                    "batch_size": BATCH, "batch_type": "sentence",
                    "eval_metrics": ["bleu"], "sacrebleu_cfg": {"tokenize": "13a"}},
        "training": {"random_seed": SEED[0], "optimizer": "adam", "learning_rate": LR[model],
                     "scheduling": "exponential", "decrease_factor": 1.0,  # = constant (no constant option)
                     "normalization": "tokens", "clip_grad_norm": 1.0, "batch_size": BATCH,
                     "batch_type": "sentence", "epochs": 1000, "updates": UNBOUNDED if budget else steps,
                     "logging_freq": logging, "early_stopping_metric": "loss", **validation,
                     "overwrite": True, "shuffle": True, "print_valid_sents": [], "label_smoothing": 0.0,
                     "num_workers": 0},
        "model": {**init, "tied_embeddings": False, "tied_softmax": False, "encoder": encoder, "decoder": decoder},
    }


def opennmt_config(model: str, data: Path, run: Path, steps: int, budget: bool = False) -> dict:
    """OpenNMT-py's config for ``model``; ``budget``: unbounded updates, a checkpoint every SAVE_EVERY."""
    if model == "rnn":
        net = {"encoder_type": "brnn", "decoder_type": "rnn", "rnn_type": "GRU", "layers": 1, "hidden_size": 256,
               "word_vec_size": 128, "global_attention": "mlp", "input_feed": 1, "bridge": True,
               "param_init": 0.1}  # U(-0.1, 0.1), its RNN default, said explicitly
    else:
        net = {"encoder_type": "transformer", "decoder_type": "transformer", "layers": 2, "hidden_size": 256,
               "word_vec_size": 256, "heads": 4, "transformer_ff": 1024, "position_encoding": True,
               "param_init": 0.0, "param_init_glorot": True}
    pairs = len((data / "train.src").read_text(encoding="utf-8").splitlines())
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
        # one bucket = the corpus once (its default, 262,144, holds dozens of copies of a small corpus
        # and its batcher then drops the examples of rare lengths)
        "bucket_size": pairs,
        "save_model": str(run / "model"), "train_steps": UNBOUNDED if budget else steps,
        "save_checkpoint_steps": SAVE_EVERY[0] if budget else steps, "keep_checkpoint": 3 if budget else -1,
        "valid_steps": 10 * UNBOUNDED, "report_every": 20, "seed": SEED[0], "batch_size": BATCH,
        "batch_type": "sents", "normalization": "tokens", "num_workers": 0, "optim": "adam",
        "learning_rate": LR[model], "max_grad_norm": 1.0, "dropout": [DROPOUT], "attention_dropout": [DROPOUT],
        "label_smoothing": 0.0, "world_size": 1, **net,
    }


# ---- running and measuring -------------------------------------------------------------------


def environment(threads: int, env_extra: dict | None = None) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
            "PYTHONWARNINGS": "ignore", **(env_extra or {})}


def timed(command: list[str], threads: int, log: Path, env_extra: dict | None = None) -> dict:
    """Run under /usr/bin/time -v with the thread count fixed; returns wall seconds and peak RSS."""
    rusage = log.with_suffix(".time")
    start = time.perf_counter()
    with open(log, "w") as out:
        done = subprocess.run(["/usr/bin/time", "-v", "-o", str(rusage), *command], stdout=out,
                              stderr=subprocess.STDOUT, env=environment(threads, env_extra), cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n--- {log}:\n" + log.read_text()[-3000:])
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", rusage.read_text()).group(1))
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak / 1024, 1)}


def steady_mean(rates: list[float]) -> float:
    """Mean of the per-window rates, the first (warm-up) window left out when there are others."""
    rates = rates[1:] if len(rates) > 1 else rates
    return sum(rates) / len(rates) if rates else float("nan")


SPLITS = ("dev", "test")


def part(split: str, beam: int) -> str:
    """The result key of a decoding: dev keeps the old names (beam1, beam5), test is test_beam5."""
    return f"beam{beam}" if split == "dev" else f"{split}_beam{beam}"


def score(data_name: str, data: Path, hypotheses_file: Path, split: str = "dev") -> dict:
    """Quality of one output file against ``split``'s references; debian outputs are detokenised
    into hypotheses_file + ".detok" (report.py's paired bootstrap reads them)."""
    hypotheses = hypotheses_file.read_text(encoding="utf-8").splitlines()
    references = (data / f"{split}.ref").read_text(encoding="utf-8").splitlines()
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
    detok = Path(f"{hypotheses_file}.detok")
    detok.write_text("".join(line + "\n" for line in text), encoding="utf-8")
    return {"bleu": round(sacrebleu.corpus_bleu(text, [references]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf(text, [references]).score, 2), "detok": str(detok)}


def run_attnkit(model, data_name, data, run, steps, threads, minutes) -> dict:
    config = run / "config.yaml"
    config.write_text(yaml.safe_dump(attnkit_config(model, data, steps, threads, minutes), sort_keys=False))
    tree = {"PYTHONPATH": ATTNKIT_TREE[0]} if ATTNKIT_TREE else None  # another checkout's attnkit, same venv
    result = {"train": timed([str(ROOT / ".venv/bin/attnkit"), "train", str(config), "--run-dir",
                              str(run / "run")], threads, run / "train.log", tree)}
    last = json.loads((run / "run/metrics.jsonl").read_text().splitlines()[-1])
    result["train"].update(tok_s=last["tokens_per_s"], steps=last["step"], train_s=last["elapsed_s"])
    for split in SPLITS:
        for beam in (1, 5):
            out = run / f"{split}.beam{beam}.txt"
            log = run / f"decode.{split}.beam{beam}.log"
            precision = dict(SETTINGS).get("train.precision", "fp32")  # decode as it was trained
            measured = timed([str(ROOT / ".venv/bin/python"), str(HERE / "attnkit_decode.py"), str(run / "run"),
                              str(data / f"{split}.src"), str(out), "--beam", str(beam), "--threads",
                              str(threads), "--precision", precision], threads, log, tree)
            seconds = json.loads(log.read_text().strip().splitlines()[-1])["seconds"]
            result[part(split, beam)] = {**measured, "decode_s": round(seconds, 2),
                                         **score(data_name, data, out, split)}
    return result


def run_joeynmt(model, data_name, data, run, steps, threads, minutes) -> dict:
    python = str(VENVS / "joeynmt/bin/python")
    config = run / "config.yaml"
    budget = minutes is not None
    if budget:  # validation only writes its checkpoints: on 8 sentences, so it costs little of the clock
        for side in ("src", "tgt"):
            lines = (data / f"dev.{side}").read_text(encoding="utf-8").splitlines(keepends=True)[:8]
            (run / f"valid.{side}").write_text("".join(lines), encoding="utf-8")
    config.write_text(yaml.safe_dump(joeynmt_config(model, data, run, steps, budget=budget,
                                                    dev=run / "valid" if budget else None), sort_keys=False))
    command = [python, "-m", "joeynmt", "train", str(config), "--skip-test"]
    if budget:
        result = {"train": train_for(command, env=environment(threads), cwd=ROOT, log=run / "train.log",
                                     minutes=minutes, started=r"EPOCH 1\b",
                                     checkpoints=(run / "model", "[0-9]*.ckpt"), step_of=r"(\d+)\.ckpt")}
    else:
        result = {"train": timed(command, threads, run / "train.log")}
        result["train"].update(steps=steps, checkpoint=str(run / "model" / f"{steps}.ckpt"))
    text = (run / "train.log").read_text()
    rates = [float(x) for x in re.findall(r"Tokens per Sec:\s*([\d.]+)", text)]
    result["train"].update(tok_s=round(steady_mean(rates), 1))
    for beam in (1, 5):  # `joeynmt test` decodes dev, then test
        config = run / f"config.beam{beam}.yaml"
        config.write_text(yaml.safe_dump(joeynmt_config(model, data, run, steps, beam,
                                                        checkpoint=result["train"]["checkpoint"]), sort_keys=False))
        log = run / f"decode.beam{beam}.log"
        measured = timed([python, "-m", "joeynmt", "test", str(config), "-o", str(run / f"out.beam{beam}")],
                         threads, log)
        seconds = [float(x) for x in re.findall(r"Generation took ([\d.]+)\[sec\]", log.read_text())]
        for split, took in zip(SPLITS, seconds, strict=True):
            out = run / f"out.beam{beam}.{split}"
            result[part(split, beam)] = {**measured, "decode_s": round(took, 2),
                                         **score(data_name, data, out, split)}
    return result


def run_opennmt(model, data_name, data, run, steps, threads, minutes) -> dict:
    bin_ = VENVS / "opennmt/bin"
    config = run / "config.yaml"
    budget = minutes is not None
    config.write_text(yaml.safe_dump(opennmt_config(model, data, run, steps, budget=budget), sort_keys=False))
    timed([str(bin_ / "onmt_build_vocab"), "-config", str(config), "-n_sample", "-1"], threads,
          run / "vocab.log")
    command = [str(bin_ / "onmt_train"), "-config", str(config)]
    if budget:
        result = {"train": train_for(command, env=environment(threads), cwd=ROOT, log=run / "train.log",
                                     minutes=minutes, started=r"Start training loop",
                                     checkpoints=(run, "model_step_*.pt"), step_of=r"model_step_(\d+)\.pt")}
    else:
        result = {"train": timed(command, threads, run / "train.log")}
        result["train"].update(steps=steps, checkpoint=str(run / f"model_step_{steps}.pt"))
    text = (run / "train.log").read_text()
    rates = [float(x) for x in re.findall(r"[\d.]+/\s*([\d.]+) tok/s", text)]
    batch_tokens = [float(x) for x in re.findall(r"bsz:\s*[\d.]+/\s*([\d.]+)/", text)]
    result["train"].update(tok_s=round(steady_mean(rates), 1),
                           tokens_per_step=round(sum(batch_tokens) / max(len(batch_tokens), 1), 1))
    checkpoint, translate = result["train"]["checkpoint"], [str(bin_ / "onmt_translate")]
    if model == "pointer_generator":
        checkpoint = loadable_copy_checkpoint(Path(checkpoint))
        # 3.5.1's inference iterator never builds the source-copy map (its copy flag is left at
        # False), so copy-attention models cannot translate; the same call with copy=True
        translate = [str(bin_ / "python"), "-c", "import functools, onmt.inference_engine as e; "
                     "e.build_dynamic_dataset_iter = functools.partial(e.build_dynamic_dataset_iter, copy=True); "
                     "from onmt.bin.translate import main; main()"]
    for split in SPLITS:
        for beam in (1, 5):
            out = run / f"{split}.beam{beam}.txt"
            log = run / f"decode.{split}.beam{beam}.log"
            measured = timed([*translate, "-model", checkpoint,
                              "-src", str(data / f"{split}.src"), "-output", str(out), "-beam_size", str(beam),
                              "-batch_size", str(BATCH), "-batch_type", "sents", "-report_time", "-gpu", "-1"],
                             threads, log, {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"})
            seconds = float(re.findall(r"Total translation time \(s\): ([\d.]+)", log.read_text())[0])
            result[part(split, beam)] = {**measured, "decode_s": round(seconds, 2),
                                         **score(data_name, data, out, split)}
    return result


def loadable_copy_checkpoint(checkpoint: Path) -> str:
    """OpenNMT-py 3.5.1 saves a copy-attention model's generator as its own state dict
    ({"linear.weight", ...}) but its loader looks for "generator.linear.weight" and refuses the
    checkpoint (OpenNMT/OpenNMT-py issue #2503, open). The same tensors moved under the model's
    state with the "generator." prefix load as trained; returns the rewritten file's path."""
    fixed = checkpoint.with_suffix(".loadable.pt")
    script = ("import sys, torch; c = torch.load(sys.argv[1], map_location='cpu', weights_only=False); "
              "c['model'].update({'generator.' + k: v for k, v in c['generator'].items()}); "
              "c['generator'] = None; torch.save(c, sys.argv[2])")
    subprocess.run([str(VENVS / "opennmt/bin/python"), "-c", script, str(checkpoint), str(fixed)], check=True)
    return str(fixed)


ATTNKIT_TREE: list[str] = []  # --attnkit-tree: run attnkit from this checkout (before/after comparisons)
RUNNERS = {"attnkit": run_attnkit, "joeynmt": run_joeynmt, "opennmt": run_opennmt}


def load_results() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((WORK / "results").glob("*.json"))]


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
    parser.add_argument("--save-every", type=int, default=50,
                        help="budget runs: a peer's checkpoint interval in updates (its budget is read off the "
                             "last checkpoint within the time)")
    parser.add_argument("--attnkit-set", action="append", default=[], metavar="KEY=VALUE",
                        help="override attnkit's config, e.g. model.init=uniform (repeatable)")
    parser.add_argument("--attnkit-tree", default=None, metavar="DIR",
                        help="run attnkit from the checkout DIR (its package on PYTHONPATH, this venv): measure "
                             "a change against the code before it, e.g. a `git worktree` of the previous commit")
    args = parser.parse_args()
    SEED[0], SAVE_EVERY[0] = args.seed, args.save_every
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
            steps = UNBOUNDED if args.minutes else args.steps
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
