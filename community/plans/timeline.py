"""The plan's timeline of completed goals, laid out on the server as SVG coordinates.

The template draws it with plain SVG attributes (no script, no inline styles, which the
Content-Security-Policy forbids), and lists the same goals as text for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from community.plans.models import Goal, Horizon

WIDTH = 640
HEIGHT = 150
MARGIN = 24
AXIS_Y = 110
#: The rows of the three horizons above the axis, short term lowest.
ROW_Y = {Horizon.SHORT: 86, Horizon.MID: 60, Horizon.LONG: 34}


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    goal: Goal
    day: date


@dataclass(frozen=True)
class Row:
    y: int
    label: str


#: The horizons' rows, drawn as faint lines with their names.
ROWS = [Row(y, "{}–{} months".format(*horizon.months)) for horizon, y in ROW_Y.items()]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    points: list[Point]
    ticks: list[Tick]
    start: date
    end: date
    width: int = WIDTH
    height: int = HEIGHT
    axis_y: int = AXIS_Y
    margin: int = MARGIN
    rows: tuple[Row, ...] = tuple(ROWS)

    @property
    def summary(self) -> str:
        """The text equivalent's first line, also the SVG's description."""
        count = len(self.points)
        goals = "goal" if count == 1 else "goals"
        return f"{count} {goals} completed between {self.start:%-d %b %Y} and {self.end:%-d %b %Y}."


def _months_between(start: date, end: date) -> list[date]:
    """First days of the months after ``start`` up to ``end``, at most 24 of them."""
    firsts: list[date] = []
    month = date(start.year, start.month, 1)
    while len(firsts) < 200:
        month = (month + timedelta(days=32)).replace(day=1)
        if month > end:
            break
        firsts.append(month)
    step = max(1, -(-len(firsts) // 8))  # eight labels at most, evenly spread
    return firsts[::step]


def build_timeline(goals: list[Goal], since: datetime, today: date) -> Timeline | None:
    """Completed goals placed by the day they were done, from the plan's start to today."""
    done = sorted((goal for goal in goals if goal.done_at), key=lambda goal: goal.done_at)
    if not done:
        return None
    start = min(since.date(), done[0].done_at.date())
    end = max(today, done[-1].done_at.date())
    span = max((end - start).days, 1)
    inner = WIDTH - 2 * MARGIN

    def x_of(day: date) -> float:
        return round(MARGIN + inner * (day - start).days / span, 1)

    points = [
        Point(
            x=x_of(goal.done_at.date()), y=ROW_Y[goal.horizon], goal=goal, day=goal.done_at.date()
        )
        for goal in done
    ]
    ticks = [Tick(x=x_of(first), label=f"{first:%b %Y}") for first in _months_between(start, end)]
    return Timeline(points=points, ticks=ticks, start=start, end=end)
