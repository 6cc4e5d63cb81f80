"""``manual-backprop bench`` and the analysis scripts run end to end; speed is never asserted
here (benchmarks/ and the bench command report it). One step's memory is tests/test_memory.py."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from manual_backprop.checks.problems import make_problem
from torch_reference.commands.bench import spreads, trust_warnings
from torch_reference.commands.cli import main
from torch_reference.commands.contenders import CPU_CONTENDERS, make_variant


def test_bench_command_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each contender in its own process: the table, the environment, the JSON and the plot."""
    json_path, plot_path = tmp_path / "bench.json", tmp_path / "bench.png"
    argv = ["bench", "--quick", "--runs", "1", "--budget", "0.001", "--json", str(json_path),
            "--plot", str(plot_path)]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(json_path.read_text())
    assert {(row["batch"], row["dtype"]) for row in result["rows"]} == {
        (1, "float32"), (256, "float32"), (1, "float64"), (256, "float64"),
    }  # fmt: skip
    for row in result["rows"]:
        for ratio in ("manual/floor", "manual/torch", "manual_numpy/sklearn"):
            assert row[ratio] > 0
    contenders = result["environment"]["contenders"]
    assert set(contenders) == set(CPU_CONTENDERS)
    assert contenders["manual"]["library"].startswith("numpy")
    assert contenders["floor_torch"]["library"].startswith("torch")
    assert all(info["blas"] and info["threads"] for info in contenders.values())
    assert result["memory"]["ratio"] <= 1.2
    environment = result["environment"]
    assert len(environment["load_average_before"]) == len(environment["load_average_after"]) == 3
    assert result["trusted"] == (not result["warnings"])  # the values depend on the machine
    assert all(set(row["spread"]) == set(CPU_CONTENDERS) for row in result["rows"])
    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("network"))
    assert header.split()[3:10] == list(CPU_CONTENDERS)  # the names the plot legend uses
    assert "(784-1024-512-10, B = 256, float64)" in out and "frees nothing early" in out
    assert result["memory"]["batch"] == 256
    from benchmarks import bench_table

    bench_table.main(str(json_path))  # the tables docs/performance.md quotes
    assert "| 784-1024-512-10 | 256 | float64 |" in capsys.readouterr().out


def test_analysis_scripts_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The scripts docs/performance.md quotes still run, on tiny shapes."""
    from benchmarks import elementwise_threads, page_faults, profile_step

    argv = ["profile_step.py", "--sizes", "8-6-4", "--batch", "4", "--calls", "2", "--blocks", "2"]
    monkeypatch.setattr("sys.argv", argv)
    profile_step.main()
    monkeypatch.setattr(elementwise_threads, "SHAPES", [((4, 6), "float32")])
    elementwise_threads.main()
    monkeypatch.setattr("sys.argv", ["page_faults.py", "--sizes", "8-6-4", "--batch", "4"])
    page_faults.main()
    printed = capsys.readouterr().out
    assert "steps 1-3: backpropagate" in printed and "whole call: gradients" in printed
    assert "(4, 6)" in printed
    assert "each result kept until the next" in printed and "page faults a call" in printed


def test_variants_keep_each_result_until_the_next_call_returns() -> None:
    """As a training loop keeps its gradients; dropping them at once can cost page faults."""
    step = make_variant("manual", make_problem((8, 6, 4), 4, seed=0))
    first = weakref.ref(step()[1].weights[0])
    gc.collect()
    assert first() is not None
    step()
    gc.collect()
    assert first() is None


def test_gpu_bench_runs_each_contender_alone_and_judges_the_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """benchmarks/gpu_bench.py without a GPU: a stand-in for the contender processes. Each plain
    contender runs once a run, the order rotating; a failed process is reported and the rest
    still run; medians over runs; ratios within 3% of a target are ties."""
    from benchmarks import gpu_bench

    seconds = {"manual_cuda": 1.0, "manual_cuda_graph": 0.5, "manual_cuda_compiled": 0.9,
               "torch_cuda": 1.02, "floor_cuda": 0.8}  # fmt: skip
    calls: list[str] = []

    def fake_run(name: str, configs: list[Any], budget: float, timeout: Any = None) -> Any:
        calls.append(name)
        if name == "manual_cuda_compiled":
            raise RuntimeError("bench: contender manual_cuda_compiled took over 1 s")
        scale = len([c for c in calls if c == name])  # 1, 2, 3: the median is run 2's
        info = {"library": "torch 9", "gpu": "Card", "cuda": "13.0"}
        return {"medians_s": [seconds[name] * scale] * len(configs), "library": info}

    monkeypatch.setattr(gpu_bench, "run_contender", fake_run)
    path = tmp_path / "bench.json"
    assert gpu_bench.main(["--runs", "3", "--json", str(path), "--commit", "abc"]) == 1
    plain = [name for name in seconds if name != "manual_cuda_compiled"]
    assert calls[:4] == plain and calls[4:8] == plain[1:] + plain[:1]
    assert calls[-1] == "manual_cuda_compiled" and len(calls) == 13
    document = json.loads(path.read_text())
    assert document["failures"].keys() == {"manual_cuda_compiled"}
    row = document["rows"][0]
    assert row["manual_cuda_s"] == 2.0 and row["manual_cuda_compiled_s"] is None
    assert row["manual/autograd"] == pytest.approx(1.0 / 1.02, rel=1e-12)
    text = capsys.readouterr().out
    assert "Card, CUDA 13.0, torch 9" in text and "commit abc" in text
    assert "manual/autograd <= 1.0 at B = 256, float32: 0.980, tie" in text
    assert "graph/autograd <= 0.8 at B = 256, float64: 0.490, met" in text
    assert "manual/floor <= 1.15 at B = 65536, float32: 1.250, missed" in text
    assert [gpu_bench.verdict(r, 1.0) for r in (0.96, 0.971, 1.029, 1.031, None)] == [
        "met", "tie", "tie", "missed", "not run",
    ]  # fmt: skip


def test_each_contender_has_one_colour_in_every_panel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.pyplot as plt

    from torch_reference.commands import bench

    assert len(set(bench.COLOURS.values())) == len(CPU_CONTENDERS)
    figures: list[Any] = []
    monkeypatch.setattr(plt, "close", figures.append)  # keep the figure to look at it
    rows = [
        {"sizes": sizes, "batch": batch, "dtype": dtype,
         **{f"{name}_s": 1e-3 * (i + 1) for i, name in enumerate(CPU_CONTENDERS)}}
        for sizes in bench.SIZES for dtype in bench.DTYPES for batch in (1, 16)
    ]  # fmt: skip
    bench._plot(tmp_path / "bench.png", rows, list(CPU_CONTENDERS))
    (figure,) = figures
    lines = [line for axis in figure.axes for line in axis.get_lines()]
    assert len(lines) == 4 * len(CPU_CONTENDERS)
    for line in lines:
        assert line.get_color() == bench.COLOURS[line.get_label()], line.get_label()


def test_the_numpy_floor_takes_the_fastest_form_of_each_product(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At B = 1, ``A^T Delta`` has an inner dimension of 1, which np.matmul does not hand to
    BLAS: its loop made the floor 3x slower than the whole step it bounds. einsum does it."""
    import numpy as np

    from torch_reference.commands.contenders import _floor_products, _numpy_product

    problem = make_problem((7, 5, 4, 3), 1, seed=0)
    products = _floor_products(problem, np.asarray)
    outer = [p for p in products if p[0].shape[1] == 1]
    assert len(outer) == 3  # dW of each layer
    expected = [left @ right for left, right, _ in products]
    real_matmul = np.matmul

    def matmul_without_outer_products(left: Any, right: Any, **kwargs: Any) -> Any:
        assert left.shape[1] > 1, "an outer product went to np.matmul"
        return real_matmul(left, right, **kwargs)

    monkeypatch.setattr(np, "matmul", matmul_without_outer_products)
    for (left, right, out), want in zip(products, expected):
        out[...] = np.nan
        _numpy_product(left, right, out)()
        np.testing.assert_array_equal(out, want)


CONFIGS = [("784-1024-512-10", 1, "float64"), ("784-1024-512-10", 256, "float64")]
IDLE = {"before": [0.3, 0.2, 0.1], "after": [1.9, 1.2, 0.6]}


def _figures(changes: dict[str, list[float]] | None = None) -> dict[str, list[list[float]]]:
    """Synthetic per-run medians (seconds; 3 runs, 2 configurations) of a plausible bench."""
    base = {"manual": [1.6e-3, 25e-3], "manual_torch": [1.7e-3, 31e-3],
            "torch_module": [1.6e-3, 30e-3], "torch_functional": [1.6e-3, 28e-3],
            "sklearn": [5.3e-3, 26e-3], "floor_numpy": [1.2e-3, 20e-3],
            "floor_torch": [1.1e-3, 24e-3]}  # fmt: skip
    base.update(changes or {})
    return {name: [[v * f for v in values] for f in (0.97, 1.0, 1.05)]
            for name, values in base.items()}  # fmt: skip


def _warnings(per_run: dict[str, list[list[float]]], loads: Any = IDLE) -> tuple[list, list]:
    medians = {name: list(np.median(np.array(runs), axis=0)) for name, runs in per_run.items()}
    return trust_warnings(CONFIGS, medians, spreads(per_run), loads, cores=2)


def test_bench_trusts_plausible_figures_on_an_idle_machine() -> None:
    assert _warnings(_figures()) == ([], [[], []])


def test_bench_warns_when_the_load_exceeds_the_cores() -> None:
    run, rows = _warnings(_figures(), {"before": [2.5, 2.0, 1.0], "after": [4.1, 3.0, 2.0]})
    assert run == [
        "load average 2.50 (1 min, before the runs) exceeds the 2 cores: other work shared the "
        "CPU; rerun on an idle machine",
        "load average 4.10 (1 min, after the runs) exceeds the 2 cores: other work shared the "
        "CPU; rerun on an idle machine",
    ]
    assert rows == [[], []]
    assert _warnings(_figures(), {"before": [2.0, 2.0, 2.0], "after": [2.0, 1.0, 1.0]})[0] == []


def test_bench_warns_when_a_figure_spreads_over_more_than_25_percent() -> None:
    per_run = _figures()
    per_run["floor_numpy"][2][0] = 1.6e-3  # 1.164, 1.2, 1.6 ms: (1.6 - 1.164) / 1.2 = 36%
    per_run["manual"][2][1] = 25e-3 * 1.24  # 24.25 .. 31 ms around 25: 27%
    run, rows = _warnings(per_run)
    assert run == []
    assert rows[0] == [
        "784-1024-512-10 B=1 float64: floor_numpy spread 36% over the runs (1.164-1.600 ms), "
        "above 25%; rerun on an idle machine"
    ]
    assert rows[1] == [
        "784-1024-512-10 B=256 float64: manual spread 27% over the runs (24.250-31.000 ms), "
        "above 25%; rerun on an idle machine"
    ]
    per_run["manual"][2][1] = 25e-3 * 1.21  # 24.25 .. 30.25 ms: 24%, within
    assert _warnings(per_run)[1][1] == []


def test_bench_warns_when_a_contender_beats_its_own_librarys_floor() -> None:
    # the run: floor_numpy 9.19 ms against manual 1.83 ms (B = 1, float64)
    run, rows = _warnings(_figures({"floor_numpy": [9.19e-3, 20e-3], "manual": [1.83e-3, 25e-3]}))
    assert rows[0] == [
        "784-1024-512-10 B=1 float64: manual (1.830 ms) beats its own library's GEMM floor "
        "floor_numpy (9.190 ms) by 80%, more than 10%: impossible on a quiet machine; "
        "rerun on an idle machine",
        "784-1024-512-10 B=1 float64: sklearn (5.300 ms) beats its own library's GEMM floor "
        "floor_numpy (9.190 ms) by 42%, more than 10%: impossible on a quiet machine; "
        "rerun on an idle machine",
    ]
    assert run == [] and rows[1] == []
    # within 10% of its own floor, or below another library's floor: no warning (manual 1.6 ms
    # and floor_numpy 1.75; torch_module 1.6 and floor_torch 1.75; manual_torch 1.7 < 1.75)
    quiet = _figures({"floor_torch": [1.75e-3, 24e-3], "floor_numpy": [1.75e-3, 20e-3]})
    assert _warnings(quiet) == ([], [[], []])
    torch_fast = _figures({"floor_torch": [1.9e-3, 24e-3]})  # 1.6 and 1.7 ms < 0.9 * 1.9 = 1.71
    named = [message.split(": ")[1].split(" (")[0] for message in _warnings(torch_fast)[1][0]]
    assert named == ["manual_torch", "torch_module", "torch_functional"]


def test_the_table_marks_a_row_with_warnings() -> None:
    from torch_reference.commands.bench import format_rows, table_rows

    per_run = _figures({"floor_numpy": [9.19e-3, 20e-3]})
    medians = {name: list(np.median(np.array(runs), axis=0)) for name, runs in per_run.items()}
    rows = table_rows(CONFIGS, medians)
    rows[0]["warnings"], rows[1]["warnings"] = _warnings(per_run)[1]
    lines = format_rows(rows).splitlines()
    assert lines[1].endswith("WARNING (2)") and "WARNING" not in lines[2]


def test_the_train_scripts_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """benchmarks/train_load.py and train_phases.py, which docs/performance.md quotes, still run:
    one idle and one busy run of a tiny train, and one epoch per phase."""
    from benchmarks import train_load, train_phases

    path = tmp_path / "load.json"
    argv = ["--runs", "1", "--busy", "1", "--busy-limit", "30", "--dtypes", "float32",
            "--json", str(path), "--", "--epochs", "1", "--hidden", "4"]  # fmt: skip
    assert train_load.main(argv) == 0
    (row,) = json.loads(path.read_text())["rows"]
    assert row["train_args"] == ["--epochs", "1", "--hidden", "4", "--dtype", "float32"]
    assert row["idle"][0]["exit_status"] == row["busy"][0]["exit_status"] == 0
    assert row["busy"][0]["busy_processes"] == 1 and row["idle"][0]["user_s"] > 0
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def record(command: list[str], **kwargs: Any) -> Any:  # a quick child in place of verify
        started.append(command)
        return real_popen([sys.executable, "-c", "pass"], **kwargs)

    monkeypatch.setattr(train_load.subprocess, "Popen", record)
    argv = ["--command", "verify", "--runs", "1", "--busy", "0", "--dtypes", "all", "--",
            "--device", "cpu"]  # fmt: skip
    assert train_load.main(argv) == 0
    assert [command[2:] for command in started] == [
        ["torch_reference.commands.cli", "verify", "--device", "cpu", "--dtype", "all"]
    ] * 2
    monkeypatch.undo()
    monkeypatch.setattr("sys.argv", ["train_phases.py", "--epochs", "1", "--torch-threads", "1"])
    train_phases.main()
    printed = capsys.readouterr().out
    assert "busy/idle wall <= 2.5" in printed and "torch epoch" in printed
