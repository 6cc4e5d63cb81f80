"""The release artifacts as users get them: the sdist and the wheel, built and checked, the wheel
installed into a fresh virtual environment (not editable, with the CPU torch the README names)
and run from outside the source tree.

The slowest test of the suite (a minute or two: a venv, torch's wheel, the ``cli`` extra).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import manual_backprop

ROOT = Path(__file__).resolve().parents[1]
#: The CPU build of torch the README's quick start names for this project's machines.
TORCH = "torch==2.13.0"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("*.whl")
    return wheel


def test_twine_passes_both_artifacts_strictly(dist: Path) -> None:
    artifacts = sorted(str(path) for path in dist.iterdir())
    assert len(artifacts) == 2
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *artifacts],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_wheel_is_typed_and_carries_the_derivation(dist: Path) -> None:
    names = zipfile.ZipFile(_wheel(dist)).namelist()
    assert {"manual_backprop/py.typed", "torch_reference/py.typed"} <= set(names)
    shipped = zipfile.ZipFile(_wheel(dist)).read("manual_backprop/derivation.md")
    assert shipped == (ROOT / "docs" / "derivation.md").read_bytes()  # the text, not a link


def test_the_sdist_carries_the_docs_the_tests_and_the_derivation(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    for path in ("docs/derivation.md", "docs/performance.md", "docs/walkthrough.ipynb",
                 "tests/test_symbolic.py", "tests/conftest.py", "benchmarks/gpu_check.sh",
                 "CITATION.cff", ".ci/run"):  # fmt: skip
        assert path in names, path


def test_the_wheel_installed_in_a_fresh_venv_verifies_outside_the_tree(
    dist: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"

    def pip(*args: str) -> None:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    pip(TORCH)  # first, as the README says: plain torch would pull the CUDA build
    pip(f"{_wheel(dist)}[cli]")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    certificate = outside / "certificate.json"
    verify = subprocess.run(
        [str(venv / "bin" / "manual-backprop"), "verify", "--dtype", "float64", "--json",
         str(certificate)],
        cwd=outside, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    derivation = json.loads(certificate.read_text())["derivation"]
    expected = hashlib.sha256((ROOT / "docs" / "derivation.md").read_bytes()).hexdigest()
    assert derivation["sha256"] == expected
    assert derivation["package_version"] == manual_backprop.__version__
    assert derivation["commit"] is None  # no checkout: the version and the hash say what it is
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## The contract\n\n```python\n(.*?)```", readme, re.S)
    assert example is not None
    run = subprocess.run(
        [str(python), "-c", example.group(1) + "\nimport manual_backprop; "
         "print(manual_backprop.__file__)"],
        cwd=outside, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert str(venv) in run.stdout and str(ROOT) not in run.stdout  # the installed copy ran
