"""HTML pieces of the report: page, sections, tables and embedded images.

Everything the page needs is inside it: the style sheet is inline, images are PNG
data URIs, fonts are the reader's system fonts, and there is no link, script or
reference to any other file or address, so the report opens the same offline, from a
mail attachment or years later.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

import pandas as pd
from matplotlib.figure import Figure

from nnexp.plots.base import figure_bytes

#: Resolution of embedded figures: sharp on a laptop screen, a few hundred kB each.
REPORT_DPI = 110
#: Tables of this many columns or more get a smaller font, to fit a laptop window.
DENSE_COLUMNS = 15

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f4; color: #1f2328;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 36px 48px; background: #fff;
  min-height: 100vh; }
h1 { font-size: 1.75rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 36px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.02rem; margin: 18px 0 6px; }
p { margin: 6px 0; }
.meta { color: #57606a; margin: 0; }
.muted { color: #57606a; font-size: .9rem; }
code { font: .88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f3f5f7; padding: 1px 4px; border-radius: 4px; }
.scroll { overflow-x: auto; border: 1px solid #d8dee4; border-radius: 6px; }
table { border-collapse: collapse; font-size: .82rem; font-variant-numeric: tabular-nums;
  width: 100%; }
th, td { padding: 4px 6px; text-align: left; white-space: nowrap;
  border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; font-weight: 600; vertical-align: bottom;
  white-space: normal; min-width: 3.2em; max-width: 8em; line-height: 1.25;
  overflow-wrap: normal; }
table.dense { font-size: .74rem; }
table.dense th, table.dense td { padding: 3px 5px; }
td.num, th.num { text-align: right; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tbody tr:hover td { background: #f0f6ff; }
td.best { font-weight: 700; color: #116329; background: #dafbe1 !important; }
td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 10em; }
td.path { white-space: normal; overflow-wrap: anywhere; min-width: 8em; font-size: .76rem; }
.status-completed { color: #116329; }
.status-diverged, .status-failed { color: #cf222e; font-weight: 600; }
.status-running, .status-interrupted { color: #9a6700; }
figure { margin: 14px 0; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: .85rem; color: #57606a; text-align: center; margin-top: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr));
  gap: 18px 22px; }
.grid figure { margin: 0; padding: 8px; border: 1px solid #eaeef2; border-radius: 6px; }
.note { background: #fff8c5; border: 1px solid #e6d27a; border-radius: 6px;
  padding: 8px 12px; margin: 10px 0; }
ul.plain { margin: 4px 0; padding-left: 20px; }
details { margin: 10px 0; }
summary { cursor: pointer; color: #0550ae; }
footer { margin-top: 40px; color: #6e7781; font-size: .8rem; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; }
  .scroll { overflow: visible; } }
"""


def esc(text: object) -> str:
    """``text`` with ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(str(text), quote=True)


def page(title: str, body: Iterable[str]) -> str:
    """A complete HTML5 document with the inline style sheet."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def section(heading: str, *parts: str, anchor: str | None = None) -> str:
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return (
        f"<section{ident}>\n<h2>{esc(heading)}</h2>\n"
        + "\n".join(parts)
        + "\n</section>"
    )


def paragraph(text: str, css: str | None = None) -> str:
    """A paragraph of plain text (escaped)."""
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{esc(text)}</p>"


def note(lines: Sequence[str]) -> str:
    """A highlighted box of short remarks."""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return f'<div class="note"><ul class="plain">{items}</ul></div>'


def image(data: bytes, alt: str, caption: str | None = None) -> str:
    """A figure with a PNG embedded as a data URI."""
    encoded = base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{esc(alt)}">'
        f"{cap}</figure>"
    )


def figure(fig: Figure, alt: str, caption: str | None = None) -> str:
    """A matplotlib figure rendered to PNG and embedded."""
    return image(figure_bytes(fig, "png", dpi=REPORT_DPI), alt, caption)


def grid(items: Iterable[str]) -> str:
    return '<div class="grid">' + "\n".join(items) + "</div>"


def table(
    display: pd.DataFrame,
    *,
    best: set[tuple[int, str]] | None = None,
    wrap: Sequence[str] = (),
    paths: Sequence[str] = (),
) -> str:
    """An HTML table of a display frame (all cells text).

    Parameters
    ----------
    display : from :func:`nnexp.analysis.tables.display_frame`; ``attrs["numeric"]``
        marks the columns to right-align
    best : ``(row position, header)`` cells to highlight as the best value
    wrap : headers of columns whose long text may wrap at spaces
    paths : headers of columns of file paths, which may wrap anywhere
    """
    numeric = display.attrs.get("numeric") or [False] * len(display.columns)
    best = best or set()
    right = ' class="num"'
    head = "".join(
        f"<th{right if num else ''}>{esc(h)}</th>"
        for h, num in zip(display.columns, numeric, strict=True)
    )
    rows = []
    for i, values in enumerate(display.itertuples(index=False)):
        cells = []
        for h, num, value in zip(display.columns, numeric, values, strict=True):
            classes = [
                c
                for c in (
                    "num" if num else "",
                    "best" if (i, h) in best else "",
                    "wrap" if h in wrap else "",
                    "path" if h in paths else "",
                    f"status-{value}" if h == "status" else "",
                )
                if c
            ]
            cls = f' class="{" ".join(classes)}"' if classes else ""
            text = esc(value)
            if h in paths:  # let a long folder name break after its commas and slashes
                text = text.replace(",", ",<wbr>").replace("/", "/<wbr>")
            cells.append(f"<td{cls}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    dense = ' class="dense"' if len(display.columns) >= DENSE_COLUMNS else ""
    return (
        f'<div class="scroll"><table{dense}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
