"""The documentation site builds in strict mode, and a broken reference fails it.

``make docs`` runs ``mkdocs build --strict`` (mkdocs.yml): the pages of docs/ and the API
reference that mkdocstrings writes from the docstrings. Strict mode turns every warning into
a failure: a link to a missing page or anchor, a cross-reference ``[name][identifier]`` to
nothing, a docstring parameter that is not in the signature.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def config() -> dict:
    # mkdocs.yml has no python/name tags, so the safe loader reads it
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


def mkdocs_build(project: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# ------------------------------------------------------------------------------------------
# Fast: what the build reads
# ------------------------------------------------------------------------------------------
def test_every_page_of_docs_is_in_the_nav():
    listed = set(nav_pages(config()["nav"]))
    on_disk = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert on_disk - listed == set(), "add these pages to mkdocs.yml's nav"
    assert listed - on_disk == set(), "mkdocs.yml's nav lists pages that do not exist"


def test_strict_mode_is_on():
    cfg = config()
    assert cfg["strict"] is True
    assert cfg["validation"]["anchors"] == "warn"  # warnings fail in strict mode


def test_every_public_module_is_in_the_api_reference():
    documented = set()
    for page in (DOCS / "reference").glob("*.md"):
        documented |= set(re.findall(r"^::: ([\w.]+)", page.read_text(), re.M))
    modules = set()
    for path in (ROOT / "autograd_dnn").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not any(p.startswith("_") for p in parts):
            modules.add(".".join(parts))
    assert modules - documented == set(), "add a ::: line for them under docs/reference/"
    assert "viz" in documented


# ------------------------------------------------------------------------------------------
# Slow: the real build, and one that must fail
# ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    proc = mkdocs_build(ROOT, site)
    assert proc.returncode == 0, proc.stderr[-4000:]
    for page in nav_pages(config()["nav"]):
        html = page.removesuffix(".md")
        html = "index.html" if html == "index" else f"{html.removesuffix('/index')}/index.html"
        assert (site / html).exists(), html
    networks = (site / "reference" / "networks" / "index.html").read_text()
    assert 'id="autograd_dnn.nn.DeepNetwork"' in networks  # written from the docstrings
    assert "layer_dims" in networks
    benchmarks = (site / "benchmarks" / "index.html").read_text()
    first = (ROOT / "benchmarks" / "README.md").read_text().splitlines()[2]
    assert first.split("`")[0].strip() in benchmarks  # the page is benchmarks/README.md


@pytest.mark.slow
def test_a_broken_reference_fails_the_build(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    for folder in ("docs", "autograd_dnn", "viz", "benchmarks"):
        shutil.copytree(
            ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    index = project / "docs" / "index.md"
    index.write_text(
        index.read_text()
        + "\nSee [a page](no_such_page.md) and [a function][autograd_dnn.nn.no_such_function].\n"
    )
    proc = mkdocs_build(project, tmp_path / "site")
    assert proc.returncode != 0
    assert "no_such_page.md" in proc.stderr
    assert "autograd_dnn.nn.no_such_function" in proc.stderr
