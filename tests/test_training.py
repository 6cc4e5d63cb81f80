"""SGD driven by the hand-written gradients follows torch.optim.SGD step for step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from manual_backprop import init_params
from manual_backprop.checks.tolerances import trajectory_rtol
from manual_backprop.serialization import load_params, save_params
from manual_backprop.training import accuracy, batch_order, sgd_step, train_epoch
from torch_reference.commands.cli import main
from torch_reference.commands.train import (
    BLAS_THREAD_VARIABLES,
    TORCH_THREAD_VARIABLES,
    max_param_rel_diff,
)
from torch_reference.commands.training import TorchTrainer, load_digits_split
from torch_reference.layout import from_state_dict, to_state_dict
from torch_reference.model import from_params

SIZES = (64, 32, 10)
THREAD_VARIABLES = sorted(set(TORCH_THREAD_VARIABLES + BLAS_THREAD_VARIABLES))
BATCH_SIZE = 16


@pytest.mark.parametrize("weight_decay", [0.0, 1e-3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sgd_trajectory_equals_torch_optim_sgd(dtype: type, weight_decay: float) -> None:
    data = load_digits_split(dtype)
    X, y = data.X_train[:800], data.y_train[:800]
    params = init_params(SIZES, seed=1, dtype=dtype)
    reference = TorchTrainer(params.copy(), lr=0.1, weight_decay=weight_decay)
    steps = 0
    for epoch in range(6):  # 6 epochs of 50 steps: 300 steps
        batches = batch_order(len(y), BATCH_SIZE, seed=1, epoch=epoch)
        losses = train_epoch(params, X, y, batches, 0.1, weight_decay=weight_decay)
        torch_losses = reference.train_epoch(X, y, batches)
        steps += len(batches)
    assert steps == 300
    rtol = trajectory_rtol(dtype, SIZES, BATCH_SIZE, steps)
    assert max_param_rel_diff(params, reference.params()) <= rtol
    assert losses == pytest.approx(torch_losses, rel=rtol)
    assert accuracy(params, data.X_test, data.y_test) > 0.8  # it learned something


def test_sgd_step_is_torchs_update_rule() -> None:
    params = init_params((3, 2), seed=2)
    grads = init_params((3, 2), seed=3)
    expected = [p - 0.5 * (g + 0.1 * p) for p, g in zip(params.weights, grads.weights)]
    sgd_step(params, grads, lr=0.5, weight_decay=0.1)
    np.testing.assert_array_equal(params.weights[0], expected[0])


def test_batch_order_covers_every_example_once_per_epoch() -> None:
    batches = batch_order(10, 4, seed=0, epoch=3)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    assert not np.array_equal(np.concatenate(batches), np.concatenate(batch_order(10, 4, 0, 4)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_params_round_trip_through_npz_and_a_state_dict(tmp_path: Path, dtype: type) -> None:
    params = init_params((64, 16, 10), seed=4, dtype=dtype)
    path = tmp_path / "params.npz"
    save_params(path, params)
    loaded = load_params(path)
    via_torch = from_state_dict(from_params(loaded).state_dict())
    assert isinstance(to_state_dict(loaded)["linears.0.weight"], torch.Tensor)
    for a, b, c in zip(params.weights + params.biases, loaded.weights + loaded.biases,
                       via_torch.weights + via_torch.biases):  # fmt: skip
        assert a.dtype == b.dtype == c.dtype
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_load_params_refuses_a_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(ValueError, match=r"must hold W1\.\.WL and b1\.\.bL"):
        load_params(path)


def test_train_command_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = {name: tmp_path / name for name in ("run.json", "run.png", "params.npz")}
    argv = ["train", "--epochs", "2", "--hidden", "16", "--batch-size", "64",
            "--json", str(paths["run.json"]), "--plot", str(paths["run.png"]),
            "--save", str(paths["params.npz"])]  # fmt: skip
    assert main(argv) == 0
    assert "max rel diff" in capsys.readouterr().out
    result = json.loads(paths["run.json"].read_text())
    for key in ("test_accuracy", "torch_test_accuracy", "max_param_rel_diff", "epochs", "history"):
        assert key in result
    assert result["epochs"] == 2 and len(result["history"]) == 2
    assert result["max_param_rel_diff"] <= trajectory_rtol(np.float64, (64, 16, 10), 64, 2 * 22)
    assert paths["run.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert load_params(paths["params.npz"]).layer_sizes == (64, 16, 10)


def test_a_batch_larger_than_the_training_set_is_said_to_be_one_step_per_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.json"
    argv = ["train", "--epochs", "2", "--hidden", "4", "--batch-size", "5000", "--json", str(path)]
    assert main(argv) == 0
    assert (
        "note: --batch-size 5000 is more than the 1347 training examples: each epoch is one step "
        "on all of them (full-batch gradient descent), 2 steps in all"
    ) in capsys.readouterr().out.splitlines()
    assert json.loads(path.read_text())["steps_per_epoch"] == 1


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.fixture
def two_threads(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Two threads in torch's pool and NumPy's BLAS, as a user's process might have; restored."""
    from threadpoolctl import threadpool_limits

    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    with threadpool_limits(limits=2, user_api="blas"):
        yield
    torch.set_num_threads(before)


def test_train_runs_one_thread_per_pool_and_gives_the_process_its_threads_back(
    tmp_path: Path, two_threads: None
) -> None:
    """Issue 28: torch's OpenMP workers spin, so the command takes one thread per pool."""
    blas_before = _blas_threads()
    path = tmp_path / "run.json"
    assert main(["train", "--epochs", "1", "--hidden", "4", "--json", str(path)]) == 0
    threads = json.loads(path.read_text())["threads"]
    assert threads == {"torch": 1, "blas": 1, "torch_set_by": "command", "blas_set_by": "command"}
    assert torch.get_num_threads() == 2 and _blas_threads() == blas_before


@pytest.mark.parametrize("variable", THREAD_VARIABLES)
def test_the_users_thread_variables_win(
    tmp_path: Path, two_threads: None, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "2")
    path = tmp_path / "run.json"
    assert main(["train", "--epochs", "1", "--hidden", "4", "--json", str(path)]) == 0
    threads = json.loads(path.read_text())["threads"]
    torch_chosen = variable in TORCH_THREAD_VARIABLES
    assert threads["torch"] == (2 if torch_chosen else 1)
    assert threads["torch_set_by"] == ("environment" if torch_chosen else "command")
    assert threads["blas"] == 2 and threads["blas_set_by"] == "environment"
