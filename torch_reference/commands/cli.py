"""The ``manual-backprop`` command: ``verify``, ``train`` and ``bench``.

It lives beside the oracle in :mod:`torch_reference` because every subcommand compares the
hand-written gradients with it; :mod:`manual_backprop` itself never imports torch. Each
subcommand is a module with ``add_parser(subparsers)``, ``run(args) -> exit status`` and
``NEEDS``, the modules it imports when it runs: parsing (``--help``, ``--version``, every
argument's check) works on a NumPy-only install, and a missing one is named in one line.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

import manual_backprop

#: Subcommand -> the module that parses and runs it.
COMMANDS = {
    "verify": "torch_reference.commands.verify",
    "train": "torch_reference.commands.train",
    "bench": "torch_reference.commands.bench",
}
#: Import name -> the package that brings it (``pip install`` takes the latter).
PACKAGES = {
    "torch": "torch",
    "sklearn": "scikit-learn",
    "matplotlib": "matplotlib",
    "sympy": "sympy",
}
#: How to bring everything the subcommands need, CPU torch first as the README's quick start
#: does: the ``cli`` extra alone would pull torch's multi-GB CUDA build. There is no release on
#: PyPI, so the extra is named on what the user installed from: a clone or a wheel.
EXTRA = (
    "without a GPU, first pip install torch --index-url https://download.pytorch.org/whl/cpu, "
    "then add the cli extra: from a clone, pip install -e '.[cli]'; from a wheel, "
    f"pip install 'PATH/manual_backprop-{manual_backprop.__version__}-py3-none-any.whl[cli]'"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="manual-backprop",
        description="Backpropagation by hand, checked equation by equation.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {manual_backprop.__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def missing_modules(command: str) -> list[str]:
    """The modules ``command`` needs that are not installed."""
    needs = importlib.import_module(COMMANDS[command]).NEEDS
    return [name for name in needs if importlib.util.find_spec(name) is None]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = [PACKAGES.get(name, name) for name in missing_modules(args.command)]
    if missing:
        print(
            f"manual-backprop {args.command}: needs {', '.join(missing)}, not installed; {EXTRA}",
            file=sys.stderr,
        )
        return 1
    try:
        return int(importlib.import_module(COMMANDS[args.command]).run(args))
    except OSError as error:  # e.g. an output that took a file at the start but not at the end
        where = f" on {error.filename}" if error.filename else ""
        print(
            f"manual-backprop {args.command}: I/O error{where}: {error.strerror or error}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
