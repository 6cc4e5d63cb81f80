"""The ``manual-backprop`` command.

It lives in :mod:`torch_reference` because every subcommand compares the hand-written gradients
with an oracle; :mod:`manual_backprop` itself never imports torch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="manual-backprop",
        description="Backpropagation by hand, checked equation by equation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("verify", help="check every equation against autograd and finite differences")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        print("manual-backprop verify: not implemented yet (see the verification issue)")
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
