"""Rich display in Jupyter: the HTML tables that models, histories and reports show.

A notebook shows an object's ``_repr_html_`` when it is the last expression of a cell; the
terminal keeps the short ``__repr__`` and the plain-text tables of ``summary()``.
"""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Sequence
from typing import Any

__all__ = ["html_table", "progress_class", "text_table"]

_STYLE = "border-collapse:collapse;font-family:monospace;font-size:12px"
_CELL = "border:1px solid #ccc;padding:2px 6px;text-align:left"
_BAD = "background:#fdd"


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    title: str = "",
    footer: Sequence[str] = (),
    highlight: Sequence[int] = (),
) -> str:
    """An HTML table: ``title`` above it, one ``<tr>`` per row (rows whose index is in
    ``highlight`` shaded red, for failing checks), then one paragraph per ``footer`` line.
    Every cell is escaped."""
    bad = set(highlight)
    out = [f"<div><b>{html.escape(title)}</b>" if title else "<div>", f'<table style="{_STYLE}">']
    out.append("<tr>" + "".join(f'<th style="{_CELL}">{html.escape(h)}</th>' for h in header))
    for k, row in enumerate(rows):
        style = f' style="{_BAD}"' if k in bad else ""
        cells = "".join(f'<td style="{_CELL}">{html.escape(str(c))}</td>' for c in row)
        out.append(f"<tr{style}>{cells}</tr>")
    out.append("</table>")
    out += [f"<p>{html.escape(line)}</p>" for line in footer]
    out.append("</div>")
    return "\n".join(out)


def text_table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], footer: Sequence[str]
) -> str:
    """The plain-text table of a ``summary()``: the title, a rule, the header, a rule, the
    rows (columns left-aligned to their widest cell), a rule, then the footer lines."""
    table = [tuple(header), *map(tuple, rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]

    def fmt(r: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()

    rule = "-" * len(fmt(table[0]))
    lines = [title, rule, fmt(table[0]), rule, *map(fmt, table[1:]), rule, *footer]
    return "\n".join(lines)


def progress_class() -> Any:
    """tqdm's progress bar class: a notebook widget where ipywidgets is installed, the text bar
    otherwise (``tqdm.auto`` would warn "IProgress not found" in a notebook without it)."""
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm
