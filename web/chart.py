"""A picture of changes by label over the years, as numbers an SVG template draws.

Pure: material changes in, a grid out (one row per label, one column per year, a count and a
circle radius per cell). ``web/templates/_chart.html`` draws it server-side; no JavaScript.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from changes.model import CONTRACT_LABELS

OTHER = "other material"
ROWS = (*CONTRACT_LABELS, OTHER)
CELL = 44          # px per year column
ROW = 34           # px per label row
LEFT = 130         # px for the row titles
TOP = 26           # px for the year titles
MAX_RADIUS = 15.0


@dataclass(frozen=True)
class Cell:
    label: str
    year: int
    count: int
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class Grid:
    years: list[int]
    rows: tuple[str, ...]
    cells: list[Cell]
    width: int
    height: int

    def year_x(self, year: int) -> float:
        return LEFT + CELL * (self.years.index(year) + 0.5)

    def row_y(self, label: str) -> float:
        return TOP + ROW * (self.rows.index(label) + 0.5)


def label_years(by_label_year: Counter[tuple[str, int]]) -> Grid:
    """The grid of material changes counted by (label, year) (label ``""``: no contract label,
    drawn as "other material"). Years run without gaps from the first to the last change."""
    counts = Counter({(label or OTHER, y): n for (label, y), n in by_label_year.items() if n})
    years = list(range(min(y for _, y in counts), max(y for _, y in counts) + 1)) if counts else []
    top = max(counts.values(), default=1)
    grid = Grid(years, ROWS, [], LEFT + CELL * len(years), TOP + ROW * len(ROWS))
    for (label, year), n in sorted(counts.items()):
        r = max(3.0, MAX_RADIUS * math.sqrt(n / top))   # area follows the count
        grid.cells.append(Cell(label, year, n, grid.year_x(year), grid.row_y(label), round(r, 1)))
    return grid
