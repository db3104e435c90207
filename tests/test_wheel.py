"""The package installs like any library: one version, py.typed, a wheel that works alone.

The slow test copies the source tree, runs ``python -m build`` (an sdist, then a wheel built
from that sdist), checks both with ``twine check``, installs the wheel into a fresh virtual
environment and, from a temporary folder with no source tree on ``sys.path``, imports every
public module and runs the command line and the demo. Installing the wheel's dependencies
needs PyPI or pip's cache.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import autograd_dnn

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd_dnn", "viz")
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "site", "out", "__pycache__", "*.egg-info", ".hypothesis",
    ".pytest_cache", ".ruff_cache", "notebooks", "docs",
)  # fmt: skip
# PEP 440, the public version forms (https://peps.python.org/pep-0440/#appendix-b)
PEP440 = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")


def setup_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def public_modules() -> list[str]:
    """Every module of the source tree's packages, but private ones and ``__main__``."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if any(p.startswith("_") for p in parts):
                continue
            names.append(".".join(parts))
    return names


# ------------------------------------------------------------------------------------------
# Fast: the version lives in one place, py.typed ships
# ------------------------------------------------------------------------------------------
def test_the_version_lives_in_one_place():
    assert setup_cfg()["metadata"]["version"] == "attr: autograd_dnn.__version__"
    assert "[project]" not in (ROOT / "pyproject.toml").read_text()  # no second version there
    assert PEP440.match(autograd_dnn.__version__), autograd_dnn.__version__
    defined = re.findall(
        r"^__version__ = ", (ROOT / "autograd_dnn" / "__init__.py").read_text(), re.M
    )
    assert len(defined) == 1


def test_py_typed_is_package_data():
    assert (ROOT / "autograd_dnn" / "py.typed").exists()
    assert setup_cfg()["options.package_data"]["autograd_dnn"].split() == ["py.typed"]


def test_public_modules_are_found():
    names = public_modules()
    assert {"autograd_dnn", "autograd_dnn.nn", "autograd_dnn.textbook.dense", "viz"} <= set(names)
    assert not any(n.endswith("__main__") or "._" in n for n in names)


# ------------------------------------------------------------------------------------------
# Slow: build, check, install into a fresh venv, run from elsewhere
# ------------------------------------------------------------------------------------------
def run(cmd: list[str], cwd: Path, timeout: float = 300, env: dict | None = None) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout[-3000:]}\n"
        f"{proc.stderr[-3000:]}"
    )
    return proc.stdout


def clean_env(venv: Path) -> dict[str, str]:
    """The environment of a user who activated ``venv``: no PYTHONPATH, no other venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """An sdist and a wheel built from a copy of the source tree."""
    tmp = tmp_path_factory.mktemp("build")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=NOT_COPIED)
    out = tmp / "dist"
    run([sys.executable, "-m", "build", "--outdir", str(out), str(src)], cwd=tmp, timeout=600)
    return out


@pytest.mark.slow
def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist):
    version = autograd_dnn.__version__
    wheels = list(dist.glob("*.whl"))
    sdists = list(dist.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"autograd_dnn-{version}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"autograd_dnn-{version}.tar.gz"]
    report = run([sys.executable, "-m", "twine", "check", "--strict", *map(str, wheels + sdists)],
                 cwd=dist)  # fmt: skip
    assert report.count("PASSED") == 2, report
    with zipfile.ZipFile(wheels[0]) as whl:
        names = set(whl.namelist())
        metadata = whl.read(f"autograd_dnn-{version}.dist-info/METADATA").decode()
    assert "autograd_dnn/py.typed" in names
    for module in public_modules():
        path = module.replace(".", "/")
        assert f"{path}.py" in names or f"{path}/__init__.py" in names, module
    assert not any(n.startswith(("tests/", "benchmarks/", "examples/")) for n in names)
    assert re.search(rf"^Version: {re.escape(version)}$", metadata, re.M)
    assert "Provides-Extra: plot" in metadata


@pytest.mark.slow
def test_the_wheel_installs_alone_and_runs_the_demo(dist, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    env = clean_env(venv)
    python = str(venv / "bin" / "python")
    (wheel,) = dist.glob("*.whl")
    # the plot extra: the demo draws the cost curve with matplotlib
    run([python, "-m", "pip", "install", "--quiet", f"{wheel}[plot]"], cwd=tmp_path, env=env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    modules = public_modules()
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    module = importlib.import_module(name)\n"
        "    print(name, module.__file__)\n"
        "import autograd_dnn\n"
        "print('version', autograd_dnn.__version__)\n"
    )
    out = run([python, "-c", script], cwd=elsewhere, env=env)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["version"] == autograd_dnn.__version__
    site = str(venv)
    for name in modules:
        assert lines[name].startswith(site), f"{name} was imported from {lines[name]}"
        assert str(ROOT) not in lines[name]

    cli = str(venv / "bin" / "autograd-dnn")
    assert "demo" in run([cli, "--help"], cwd=elsewhere, env=env)
    version = run([cli, "--version"], cwd=elsewhere, env=env).split()
    assert version == ["autograd-dnn", autograd_dnn.__version__]
    demo = run([cli, "demo", "--out", "demo_out"], cwd=elsewhere, env=env, timeout=300)
    written = sorted(p.name for p in (elsewhere / "demo_out").iterdir())
    assert "cost.png" in written, (written, demo)
    assert (elsewhere / "demo_out" / "cost.png").stat().st_size > 1000
    assert any(name.endswith(".svg") for name in written) == (shutil.which("dot") is not None)
