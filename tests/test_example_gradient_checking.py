"""examples/gradient_checking.py runs as a user runs it and names both planted bugs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "gradient_checking.py"


def test_gradient_checking_example_names_dW2_and_db1_with_their_ratios(tmp_path: Path) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    out = proc.stdout
    assert proc.returncode == 0, f"stdout:\n{out}\nstderr:\n{proc.stderr}"
    # 1. the course's single number, as the notebook prints it
    assert "There is a mistake in the backward propagation! difference = 0.28509315" in out
    # 2. the project's checker names the two parameters and their ratios, and nothing else
    assert "layer 2: dW2 is wrong, analytic / numeric = 2.000" in out
    assert "layer 1: db1 is wrong, analytic / numeric = 4.000" in out
    assert len(re.findall(r"^   layer \d: d\w+ is wrong", out, flags=re.M)) == 2
    rows = {m[0]: m[1] for m in re.findall(r"^   (W\d|b\d) .* (ok|BUG)$", out, flags=re.M)}
    assert rows == {"W1": "ok", "b1": "BUG", "W2": "BUG", "b2": "ok", "W3": "ok", "b3": "ok"}
    # 3. the fixed backward passes both checks
    assert "Your backward propagation works perfectly fine! difference = 1.18909" in out
    assert "PASSED: all 6 gradients agree" in out
