"""The ``manual-backprop`` command: ``verify``, ``train`` and ``bench``.

It lives in :mod:`torch_reference` because every subcommand compares the hand-written gradients
with an oracle; :mod:`manual_backprop` itself never imports torch. Each subcommand is a module
with ``add_parser(subparsers)`` and ``run(args) -> exit status``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Subcommand -> the module that parses and runs it (imported only when needed).
COMMANDS = {
    "verify": "torch_reference.commands.verify",
    "train": "torch_reference.commands.train",
    "bench": "torch_reference.commands.bench",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="manual-backprop",
        description="Backpropagation by hand, checked equation by equation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(importlib.import_module(COMMANDS[args.command]).run(args))


if __name__ == "__main__":
    sys.exit(main())
