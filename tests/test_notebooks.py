"""The notebooks in notebooks/ run top to bottom and say what they show.

Every notebook is executed from its cells in ``notebooks/build.py`` (the one source of the
notebooks' code) in a fresh kernel with nbclient. A notebook passes when no cell raises,
every cell tagged ``draws`` displays an image (SVG or PNG), and every claim of its text (a
number or phrase its markdown states) appears in its outputs. The stored ``.ipynb`` files
must hold exactly that code, with outputs that make the same claims and have the same
shape (one output of the same kind per cell as a fresh run): ``make notebooks`` regenerates
them.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
IMAGE_TYPES = ("image/svg+xml", "image/png")


def _load_build():
    spec = importlib.util.spec_from_file_location(
        "notebooks_build", ROOT / "notebooks" / "build.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


build = _load_build()
NAMES = list(build.NOTEBOOKS)


@functools.cache
def executed(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` built from the generator's cells and run in a fresh kernel."""
    if shutil.which("dot") is None:
        pytest.fail(
            "the drawing cells need Graphviz's dot: run `make dot` (or apt-get install graphviz)"
        )
    return build.execute(build.build(name))


def stored(name: str) -> nbformat.NotebookNode:
    return nbformat.read(build.path_of(name), as_version=4)


def code_of(nb: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


def output_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get("text/plain", ""))
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
    return "\n".join(parts)


def problems(nb: nbformat.NotebookNode, claims: list[str]) -> list[str]:
    """What is wrong with an executed notebook: errors, drawing cells without an image,
    claims of the text that the outputs do not show."""
    found = []
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    outputs = "\n".join(output_text(c) for c in nb.cells if c.cell_type == "code")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i} raised {out.ename}: {out.evalue}")
        if build.DRAWS in cell.metadata.get("tags", []):
            kinds = {k for out in cell.get("outputs", []) for k in out.get("data", {})}
            if not kinds & set(IMAGE_TYPES):
                found.append(f"cell {i} draws but displayed no image (only {sorted(kinds)})")
    for claim in claims:
        if claim not in markdown:
            found.append(f"claim {claim!r} is not stated in the notebook's text")
        if claim not in outputs:
            found.append(f"claim {claim!r} is not shown by any output")
    return found


def output_shape(nb: nbformat.NotebookNode) -> list[list[tuple]]:
    """Per code cell: the kind of each output (consecutive prints of a stream joined) and,
    for displays, its mime types."""
    nb = build.coalesce_streams(copy.deepcopy(nb))
    return [
        [(o.output_type, o.get("name"), tuple(sorted(o.get("data", {})))) for o in c.outputs]
        for c in nb.cells
        if c.cell_type == "code"
    ]


# ------------------------------------------------------------------------------------------
# Fast: the stored files against the generator
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_holds_the_generators_code(name):
    assert build.path_of(name).exists(), f"{name}.ipynb is missing: run `make notebooks`"
    assert code_of(stored(name)) == code_of(build.build(name)), (
        f"notebooks/{name}.ipynb differs from notebooks/build.py: run `make notebooks`"
    )


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_was_executed_in_order_without_errors(name):
    nb = stored(name)
    nbformat.validate(nb)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "stored outputs are not from one run"
    assert problems(nb, build.NOTEBOOKS[name].claims) == []


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_short_and_draw(name):
    spec = build.NOTEBOOKS[name]
    assert 8 <= len(spec.cells) <= 22, "a notebook is about 15 cells"
    assert any(c.draws for c in spec.cells), "every notebook has pictures"
    assert spec.claims, "every notebook's text makes claims the test checks"


def test_only_the_generated_notebooks_are_stored():
    on_disk = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert on_disk == sorted(NAMES)


# ------------------------------------------------------------------------------------------
# Slow: a fresh kernel runs every notebook
# ------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_shows_what_its_text_says(name):
    nb = executed(name)
    assert problems(nb, build.NOTEBOOKS[name].claims) == []
    assert output_shape(nb) == output_shape(stored(name)), (
        f"notebooks/{name}.ipynb has other outputs than a fresh run: run `make notebooks`"
    )


@pytest.mark.slow
def test_problems_are_found():
    """The checks above can fail: a wrong claim, an erroring cell, a drawing cell that
    printed text instead of drawing."""
    name = "03_gradient_checking"
    nb = copy.deepcopy(executed(name))
    assert problems(nb, ["difference = 0.123"]) != []
    drawing = next(c for c in nb.cells if build.DRAWS in c.metadata.get("tags", []))
    drawing.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a picture")]
    error = nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[])
    next(c for c in nb.cells if c.cell_type == "code").outputs.append(error)
    found = problems(nb, [])
    assert any("displayed no image" in p for p in found)
    assert any("raised ValueError: boom" in p for p in found)
