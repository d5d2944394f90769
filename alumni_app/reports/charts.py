"""Bar and line charts laid out on the server, drawn as inline SVG (templates/reports/_charts)
and in the fact sheet's PDF from the same layout.

Templates rather than pygal: pygal writes its styles into a <style> element and a script
reference, which the CSP (style-src 'self', no inline styles) blocks; its numbers are not
Babel's. Here every colour and size is an SVG presentation attribute, every number is
formatted by the caller (Babel, in the page's language), and the layout is plain data that
the PDF draws too. Colours pass contrast on white: bars and lines 4.8-6.7:1 (3:1 needed for
graphics), text 15:1 and axes 8:1 (4.5:1 needed for text).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

SERIES_COLOURS = ("#1f5f99", "#b35900", "#2e7d32")
TEXT = "#212529"
AXIS = "#495057"
GRID = "#767d84"
WIDTH = 640
LABEL_COLUMN = 236  # horizontal bars: room for the category names
ROW = 24  # horizontal bars: height of one category
TOP = 44  # room for the title and, on bar charts, the category axis's title
LABEL_CHARS = 34


@dataclass
class Mark:
    """A bar (x, y, w, h) or a point (x, y) with its value as text; no bar when withheld."""

    label: str
    text: str
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0
    colour: str = SERIES_COLOURS[0]
    shown: bool = True


@dataclass
class Tick:
    pos: float
    text: str


@dataclass
class Chart:
    id: str
    kind: str  # "bar" (horizontal) or "line"
    title: str
    desc: str
    x_title: str
    y_title: str
    width: int = WIDTH
    height: int = 300
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, top, right, bottom
    marks: list[Mark] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)  # along the value axis
    categories: list[Tick] = field(default_factory=list)  # line charts: along the x axis
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, name)
    points: str = ""  # line charts: the polyline

    @property
    def empty(self) -> bool:
        return not any(mark.shown for mark in self.marks)


def nice_scale(top: float, steps: int = 5) -> tuple[float, float]:
    """A round maximum at or above `top`, and the step between its ticks (1, 2 or 5 x 10^n)."""
    if top <= 0:
        return 1.0, 1.0
    raw = top / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step < 1 and float(top).is_integer():
        step = 1.0
    return step * math.ceil(top / step - 1e-9), step


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _ticks(top: float, step: float, place: Callable[[float], float],
           fmt: Callable[[float], str]) -> list[Tick]:
    count = round(top / step)
    return [Tick(place(i * step), fmt(i * step)) for i in range(count + 1)]


def bar_chart(chart_id: str, title: str, x_title: str, y_title: str,
              series: Sequence[tuple[str, Sequence[tuple[str, float | None]]]],
              fmt: Callable[[float], str], desc: str) -> Chart:
    """Horizontal bars: one group per category, one bar per series (a value None is withheld).

    `series` is [(series name, [(category, value) ...]) ...], every series in the same order.
    """
    categories = [label for label, _v in series[0][1]] if series else []
    per_group = max(1, len(series))
    group = ROW * per_group + (6 if per_group > 1 else 0)
    height = TOP + group * max(1, len(categories)) + 56 + (18 if per_group > 1 else 0)
    left, right, top = LABEL_COLUMN, WIDTH - 80, TOP
    bottom = top + group * max(1, len(categories))
    values = [v for _n, items in series for _l, v in items if v is not None]
    scale_top, step = nice_scale(max(values, default=0))
    chart = Chart(chart_id, "bar", title, desc, x_title, y_title, WIDTH, height,
                  (left, top, right, bottom))
    width_of = lambda v: (right - left) * v / scale_top  # noqa: E731
    chart.ticks = _ticks(scale_top, step, lambda v: left + width_of(v), fmt)
    for s, (name, items) in enumerate(series):
        colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
        if per_group > 1:
            chart.legend.append((colour, name))
        for c, (label, value) in enumerate(items):
            y = top + c * group + s * ROW + 3
            chart.marks.append(Mark(
                label, fmt(value) if value is not None else "—", left, y,
                width_of(value) if value is not None else 0, ROW - 6, colour,
                value is not None))
    chart.categories = [Tick(top + c * group + group / 2, short(label))
                        for c, label in enumerate(categories)]
    return chart


def line_chart(chart_id: str, title: str, x_title: str, y_title: str,
               points: Sequence[tuple[str, float | None]], fmt: Callable[[float], str],
               desc: str) -> Chart:
    """One series over ordered categories (fiscal years): a line with a dot per value."""
    left, right, top, bottom = 70, WIDTH - 20, TOP, 250
    chart = Chart(chart_id, "line", title, desc, x_title, y_title, WIDTH, 310,
                  (left, top, right, bottom))
    values = [v for _l, v in points if v is not None]
    scale_top, step = nice_scale(max(values, default=0))
    height_of = lambda v: (bottom - top) * v / scale_top  # noqa: E731
    chart.ticks = _ticks(scale_top, step, lambda v: bottom - height_of(v), fmt)
    gap = (right - left) / max(1, len(points) - 1) if len(points) > 1 else 0
    every = max(1, math.ceil(len(points) / 12))  # at most a dozen labels on the x axis
    coordinates = []
    for i, (label, value) in enumerate(points):
        x = left + i * gap if len(points) > 1 else (left + right) / 2
        y = bottom - height_of(value) if value is not None else bottom
        chart.marks.append(Mark(label, fmt(value) if value is not None else "—", x, y,
                                shown=value is not None))
        if value is not None:
            coordinates.append(f"{x:.1f},{y:.1f}")
        if i % every == 0 or i == len(points) - 1:
            chart.categories.append(Tick(x, label))
    chart.points = " ".join(coordinates)
    return chart
