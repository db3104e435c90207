"""Every ```python block of README.md runs, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_code_blocks():
    assert len(python_blocks()) >= 6


def test_readme_code_blocks_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for i, block in enumerate(python_blocks()):
        try:
            exec(compile(block, f"README.md block {i}", "exec"), namespace)
        except Exception as e:  # pragma: no cover - the message is the point
            raise AssertionError(f"README block {i} failed: {e!r}\n{block}") from e
    out = capsys.readouterr().out
    assert "PASSED: all 12 gradients agree (compare_with_textbook)" in out
    assert "FAILED: the first faulty layer is layer 2" in out
    assert "analytic/numeric = 2.000 (a doubled gradient)" in out


def test_readme_shows_the_two_commands_and_no_placeholder():
    text = README.read_text()
    assert "make demo" in text and "make test" in text
    assert "BENCHMARK_TABLE" not in text, "paste the measured table from benchmarks/README.md"
