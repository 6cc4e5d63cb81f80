"""Argument types for the ``manual-backprop`` subcommands: every value checked before any work.

Each function is an ``argparse`` ``type=``: it returns the parsed value or raises
``argparse.ArgumentTypeError`` with a message that says what was expected and repeats the bad
value; argparse adds the argument's name and exits with status 2.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

__all__ = [
    "finite_non_negative_float",
    "finite_positive_float",
    "non_negative_int",
    "output_path",
    "plot_path",
    "positive_int",
]


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def _real(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None


def positive_int(text: str) -> int:
    """An integer >= 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (a seed)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def finite_positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate)."""
    value = _real(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def finite_non_negative_float(text: str) -> float:
    """A finite number >= 0 (a weight decay)."""
    value = _real(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def output_path(text: str) -> Path:
    """A file to write, in a folder that exists and takes a new file.

    A missing folder is an error, as with ``cp`` or ``curl -o``: nothing is created but the
    file itself. Whether the folder takes a file is probed the way the write will happen, by
    creating and removing a temporary file there (a permission bit says nothing for root, nor
    for ``/proc``); an existing file must be writable.
    """
    path = Path(text)
    if path.is_dir() or text.endswith(os.sep):
        raise argparse.ArgumentTypeError(f"must be a file path, but {text!r} is a directory")
    folder = path.absolute().parent
    if not folder.exists():
        ancestor = folder
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise argparse.ArgumentTypeError(
                f"cannot be written: {str(ancestor)!r} in {text!r} is a file, not a directory"
            )
        raise argparse.ArgumentTypeError(
            f"cannot be written: the folder {str(folder)!r} does not exist (create it first)"
        )
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(
            f"cannot be written: {str(folder)!r} in {text!r} is a file, not a directory"
        )
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".manual-backprop-"):
            pass
    except OSError as error:
        raise argparse.ArgumentTypeError(
            f"cannot be written: no file can be created in {str(folder)!r} ({error.strerror})"
        ) from None
    if path.exists() and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot be written: {text!r} is not writable")
    return path


def plot_path(text: str) -> Path:
    """An output path whose suffix is a format matplotlib can write (``.png``, ``.pdf``, ...)."""
    path = output_path(text)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise argparse.ArgumentTypeError(
            "needs matplotlib, which is not installed: pip install matplotlib"
        ) from None
    formats = sorted(FigureCanvasAgg.get_supported_filetypes())
    suffix = path.suffix.lstrip(".").lower()
    if suffix not in formats:
        raise argparse.ArgumentTypeError(
            f"must end in a format matplotlib writes ({', '.join('.' + f for f in formats)}), "
            f"got {text!r}"
        )
    return path
