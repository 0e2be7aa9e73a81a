"""`attnkit demo --help` names every registered demo (the names are listed in cli.py so that the
help needs no torch import; this keeps the two lists equal)."""

import contextlib

from attnkit.cli import DEMO_NAMES, build_parser
from attnkit.demo import DEMOS


def test_the_help_lists_exactly_the_registered_demos(capsys):
    assert set(DEMO_NAMES) == set(DEMOS)
    with contextlib.suppress(SystemExit):
        build_parser().parse_args(["demo", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert all(name in shown for name in DEMOS)
