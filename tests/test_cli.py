"""The command line: every argument checked before any work, each bad value named, exit 2.

Also: ``--version``, defaults in ``--help``, and a NumPy-only install, where ``--help`` works
and a command names the missing extra in one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import manual_backprop
from torch_reference.commands.cli import main

#: (argv, the option, the bad value as the message repeats it)
BAD_ARGUMENTS = [
    (["verify", "--seed", "-1"], "--seed", "-1"),
    (["verify", "--seed", "x"], "--seed", "'x'"),
    (["verify", "--dtype", "float16"], "--dtype", "'float16'"),
    (["verify", "--device", "tpu"], "--device", "'tpu'"),
    (["train", "--seed", "-3"], "--seed", "-3"),
    (["train", "--lr", "nan"], "--lr", "'nan'"),
    (["train", "--lr", "0"], "--lr", "'0'"),
    (["train", "--lr", "inf"], "--lr", "'inf'"),
    (["train", "--weight-decay", "-1"], "--weight-decay", "'-1'"),
    (["train", "--weight-decay", "nan"], "--weight-decay", "'nan'"),
    (["train", "--hidden", "0"], "--hidden", "0"),
    (["train", "--hidden", "16", "-2"], "--hidden", "-2"),
    (["train", "--epochs", "0"], "--epochs", "0"),
    (["train", "--batch-size", "0"], "--batch-size", "0"),
    (["train", "--plot", "curves.xyz"], "--plot", "'curves.xyz'"),
    (["bench", "--runs", "0"], "--runs", "0"),
    (["bench", "--budget", "-1"], "--budget", "'-1'"),
    (["bench", "--contenders", "numba"], "--contenders", "'numba'"),
]


@pytest.mark.parametrize(("argv", "option", "value"), BAD_ARGUMENTS)
def test_a_bad_argument_is_named_with_its_value_and_exits_2(
    argv: list[str], option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument {option}" in message and value in message, message


@pytest.mark.parametrize("option", ["--json", "--plot", "--save"])
def test_an_output_path_that_is_a_directory_is_refused_before_any_work(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", option, str(tmp_path)])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert f"argument {option}" in message and f"{str(tmp_path)!r} is a directory" in message


def test_an_output_under_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--json", str(blocker / "certificate.json")])
    assert exit_info.value.code == 2
    assert "is a file, not a directory" in capsys.readouterr().err


#: Where no file can be created, even by root: /proc takes none.
UNWRITABLE = [
    ["train", "--json", "/proc/manual-backprop.json"],
    ["train", "--plot", "/proc/manual-backprop.png"],
    ["train", "--save", "/proc/manual-backprop.npz"],
    ["bench", "--json", "/proc/manual-backprop.json"],
    ["verify", "--json", "/proc/manual-backprop.json"],
]


@pytest.mark.parametrize("argv", UNWRITABLE, ids=lambda argv: " ".join(argv[:2]))
def test_an_output_where_no_file_can_be_created_is_refused_before_any_work(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Probed by creating a file there: a permission bit would pass /proc for root."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument {argv[1]}: cannot be written: no file can be created in '/proc'" in message


@pytest.mark.parametrize("command", ["train", "bench", "verify"])
def test_a_missing_output_folder_is_an_error_that_names_it(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As with cp or curl -o: the folder must exist; nothing is created but the file."""
    folder = tmp_path / "new" / "deeper"
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--json", str(folder / "run.json")])
    assert exit_info.value.code == 2
    assert f"the folder {str(folder)!r} does not exist (create it first)" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_a_write_that_fails_after_the_work_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the probe cannot foresee (a disk that fills, a folder removed meanwhile)."""
    path = tmp_path / "certificate.json"

    def full_disk(self: Path, *args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full_disk)
    assert main(["verify", "--dtype", "float64", "--json", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"manual-backprop verify: I/O error on {path}: No space left on device"


def test_version_and_defaults_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    import manual_backprop

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"manual-backprop {manual_backprop.__version__}"
    for command, shown in (("train", "(default: 0.1)"), ("verify", "(default: all)"),
                           ("bench", "(default: 5)")):  # fmt: skip
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert shown in out and "in a folder that exists; checked before any work" in out


#: Runs the CLI with torch and scikit-learn hidden, as on a ``pip install manual-backprop``.
WITHOUT_TORCH = """
import importlib.abc, importlib.util, sys
HIDDEN = ("torch", "sklearn", "matplotlib")
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Hide())
find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda n, *a: None if n.split(".")[0] in HIDDEN else find_spec(n, *a)
from torch_reference.commands.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit_:
    status = exit_.code
print("torch loaded:", "torch" in sys.modules)
sys.exit(status)
"""


@pytest.mark.parametrize("command", ["verify", "train", "bench"])
def test_without_the_cli_extra_the_command_names_it_in_one_line(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TORCH, command], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        f"manual-backprop {command}: needs "
        + ("torch" if command == "verify" else "torch, scikit-learn")
        + ", not installed; without a GPU, first pip install torch --index-url "
        "https://download.pytorch.org/whl/cpu, then add the cli extra: from a clone, pip install "
        "-e '.[cli]'; from a wheel, pip install "
        f"'PATH/manual_backprop-{manual_backprop.__version__}-py3-none-any.whl[cli]'"
    )
    assert "manual-backprop[cli]" not in done.stderr  # no such package on PyPI
    assert "torch loaded: False" in done.stdout


def test_without_the_cli_extra_help_and_the_library_still_work() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TORCH, "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "verify" in done.stdout and "torch loaded: False" in done.stdout
    library = WITHOUT_TORCH.split("from torch_reference")[0] + (
        "import numpy as np\n"
        "from manual_backprop import init_params, gradients\n"
        "J, grads = gradients(init_params((4, 3, 2)), np.ones((5, 4)), np.array([0, 1, 0, 1, 1]))\n"
        "print('J', J > 0, 'torch loaded:', 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", library], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "J True torch loaded: False", done


IMPORTS_CHANGE_NOTHING = r"""
import json, os
import numpy, sklearn.neural_network, torch
from threadpoolctl import threadpool_info

def settings():
    pools = sorted((pool["filepath"], pool["num_threads"]) for pool in threadpool_info())
    return [dict(os.environ), torch.get_num_threads(), pools]

before = settings()
import manual_backprop, manual_backprop.checks, torch_reference
import torch_reference.commands.cli, torch_reference.commands.train
import torch_reference.commands.training, torch_reference.commands.bench
import torch_reference.commands.verify, torch_reference.commands.contenders
print(json.dumps([before, settings()]))
"""


def test_importing_the_packages_changes_no_thread_or_environment_setting() -> None:
    """The library and the oracle leave the user's process alone; only a command may set its
    own thread policy, while it runs (``train``: one thread per pool, then restored)."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_CHANGE_NOTHING], capture_output=True, text=True, check=True
    )
    before, after = json.loads(done.stdout)
    assert after == before
