#!/usr/bin/env bash
# One virtual environment per peer toolkit under benchmarks/peers/.venvs/ (git-ignored).
# torch==2.13.0 goes in FIRST, from the pinned CPU wheel, and stays pinned (a constraint file)
# while the peer is installed, so that no peer replaces it or pulls a CUDA build.
#
#   bash benchmarks/peers/setup.sh            # both peers
#   bash benchmarks/peers/setup.sh joeynmt    # one of them
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENVS="$HERE/.venvs"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
mkdir -p "$VENVS"
CONSTRAINT="$VENVS/torch-constraint.txt"
echo "torch==2.13.0" > "$CONSTRAINT"

make_venv() {  # name -> a venv with torch 2.13.0 (CPU) in it
    local venv="$VENVS/$1"
    if [ ! -x "$venv/bin/python" ]; then "$PYTHON" -m venv "$venv"; fi
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet torch==2.13.0
}

setup_joeynmt() {
    # JoeyNMT 2.3.0 asks for torch>=1.12, so the resolver keeps 2.13.0 (the constraint makes
    # sure); it also imports importlib_metadata without declaring it.
    make_venv joeynmt
    "$VENVS/joeynmt/bin/pip" install --quiet -c "$CONSTRAINT" joeynmt==2.3.0 importlib_metadata
    "$VENVS/joeynmt/bin/python" -c "import joeynmt, torch; print('joeynmt', joeynmt.__version__, 'torch', torch.__version__)"
}

setup_opennmt() {
    # OpenNMT-py 3.5.1 pins torch<2.3, so it goes in with --no-deps and its requirements (from its
    # METADATA: pip download --no-deps OpenNMT-py==3.5.1) by hand. Left out, as the training and
    # translate commands here never import them: ctranslate2 (export), flask/waitress (server).
    # (onmt.transforms imports spacy and fasttext at import time, so those two are needed.)
    make_venv opennmt
    "$VENVS/opennmt/bin/pip" install --quiet --no-deps OpenNMT-py==3.5.1
    "$VENVS/opennmt/bin/pip" install --quiet -c "$CONSTRAINT" configargparse pyyaml sacrebleu rapidfuzz \
        pyahocorasick six tensorboard "pyonmttok>=1.37,<2" sentencepiece spacy fasttext-wheel
    "$VENVS/opennmt/bin/python" -c "import onmt, torch; print('OpenNMT-py', onmt.__version__, 'torch', torch.__version__)"
}

peers=("$@")
[ ${#peers[@]} -eq 0 ] && peers=(joeynmt opennmt)
for peer in "${peers[@]}"; do "setup_$peer"; done
