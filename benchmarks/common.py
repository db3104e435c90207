"""Shared benchmark helpers: interleaved timing, medians, and what BLAS ran."""

from __future__ import annotations

import os
import platform
import random
import resource
import statistics
import time
from collections.abc import Callable

import numpy as np


def blas_info() -> str:
    """One line naming the BLAS library, its kernel (architecture) and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: threadpoolctl not installed (pip install threadpoolctl)"
    parts = []
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            parts.append(
                f"{pool.get('internal_api')} {pool.get('version')} "
                f"kernel={pool.get('architecture')} threads={pool.get('num_threads')}"
            )
    return "BLAS: " + ("; ".join(parts) if parts else "none found")


def steady_heap() -> str:
    """Ask glibc to keep freed memory instead of returning it to the system, and to serve
    blocks up to 32 MB from its heap, so that no step pays page faults for memory the step
    before it freed. Returns what was done, for the printout."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return "steady heap: not available (no glibc mallopt)"
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    ok = mallopt(m_trim_threshold, 1 << 30) and mallopt(m_mmap_threshold, 32 << 20)
    return "steady heap: glibc trim threshold 1 GiB, mmap threshold 32 MiB" + (
        "" if ok else " (refused)"
    )


def machine_info() -> str:
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}; OPENBLAS env: {env or 'unset'}"
    )


def interleaved_samples(
    fns: dict[str, Callable[[], object]],
    rounds: int,
    per_round: int = 1,
    warmup: int = 1,
    faults: dict[str, list[float]] | None = None,
    lead_in: int = 0,
) -> dict[str, list[float]]:
    """Seconds per call of each fn, one sample per round, timed in turn round after round
    (side by side, so a noisy neighbour slows all of them alike). Each round runs them in a
    fresh seeded random order: what runs just before a fn leaves the machine in a state (a
    BLAS pool still spinning, a cache full of its arrays) that the next fn pays for, and a
    fixed or rotated order would charge that to the same fn every round. ``lead_in``
    untimed calls of the same fn come just before each timed block, so it is timed as it
    runs in a loop (after itself) rather than just after another fn. ``faults``, if given,
    receives each fn's minor page faults per call, round by round (counted outside the
    timed region)."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    names = list(fns)
    samples: dict[str, list[float]] = {k: [] for k in fns}
    order = random.Random(0)
    for _ in range(rounds):
        order.shuffle(names)
        for name in names:
            fn = fns[name]
            for _ in range(lead_in):
                fn()
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = time.perf_counter()
            for _ in range(per_round):
                fn()
            samples[name].append((time.perf_counter() - t0) / per_round)
            if faults is not None:
                f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                faults.setdefault(name, []).append((f1 - f0) / per_round)
    return samples


def interleaved(
    fns: dict[str, Callable[[], object]], rounds: int, per_round: int = 1, warmup: int = 1
) -> dict[str, float]:
    """Median seconds per call of each fn, from :func:`interleaved_samples`."""
    samples = interleaved_samples(fns, rounds, per_round, warmup)
    return {k: statistics.median(v) for k, v in samples.items()}


def ratio_quartiles(
    samples: dict[str, list[float]], name: str, reference: str
) -> tuple[float, float, float]:
    """Quartiles (q1, median, q3) over rounds of name's time / reference's time in the same
    round: the load of a shared machine drifts over seconds, and a ratio taken within one
    round cancels most of it."""
    ratios = [a / b for a, b in zip(samples[name], samples[reference])]
    q1, q2, q3 = statistics.quantiles(ratios, n=4)
    return q1, q2, q3


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
