"""The paths map as geometry for a server-drawn SVG flow diagram (``plans/_path_diagram.html``).

From-roles stand on the left, to-roles on the right, each as tall as the members who left
or reached it; a band joins the two ends of each pair, as wide as the pair's members. Only
numbers and labels leave this module: the template writes them as SVG attributes (the
Content-Security-Policy allows no inline styles), and a table beside it says the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from community.plans.paths import Path

#: The most travelled pairs drawn; the table lists every shown pair.
DIAGRAM_PAIRS_MAX = 30
WIDTH = 760
NODE_WIDTH = 12
LEFT_X = 220
RIGHT_X = WIDTH - 220 - NODE_WIDTH
TOP = 36
GAP = 18
PLOT_MIN, PLOT_MAX, PLOT_PER_NODE = 160, 640, 40
LABEL_MAX = 30
PALETTE = ("#2f6f9f", "#b5562b", "#4f8a3c", "#8a4f9e", "#a8872a", "#2b8a85", "#9e4f6a", "#5a6b7a")


@dataclass(frozen=True)
class Node:
    label: str
    name: str
    members: int
    x: float
    y: float
    height: float
    text_x: float
    anchor: str
    colour: str

    @property
    def text_y(self) -> float:
        return self.y + self.height / 2 + 4


@dataclass(frozen=True)
class Band:
    d: str
    colour: str
    title: str


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    nodes: list[Node]
    bands: list[Band]
    pairs: int


def _short(name: str) -> str:
    return name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1].rstrip() + "…"


def _r(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def layout(paths: list[Path]) -> Diagram | None:
    """Where each role and band goes; None when there is nothing to draw."""
    drawn = paths[:DIAGRAM_PAIRS_MAX]
    if not drawn:
        return None
    sources: dict[str, int] = {}
    targets: dict[str, int] = {}
    names: dict[tuple[str, str], str] = {}
    for path in drawn:
        sources[path.source.key] = sources.get(path.source.key, 0) + path.members
        targets[path.target.key] = targets.get(path.target.key, 0) + path.members
        names[("s", path.source.key)] = path.source.name
        names[("t", path.target.key)] = path.target.name
    left = sorted(sources, key=lambda key: (-sources[key], names[("s", key)]))
    right = sorted(targets, key=lambda key: (-targets[key], names[("t", key)]))
    plot = max(PLOT_MIN, min(PLOT_MAX, PLOT_PER_NODE * max(len(left), len(right))))
    total = sum(sources.values())
    unit = min((plot - GAP * (len(left) - 1)) / total, (plot - GAP * (len(right) - 1)) / total)
    unit = max(unit, 0.5)
    colours = {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(left)}

    nodes: list[Node] = []
    tops: dict[tuple[str, str], float] = {}
    for side, keys, counts, x in (("s", left, sources, LEFT_X), ("t", right, targets, RIGHT_X)):
        y = TOP
        for key in keys:
            height = counts[key] * unit
            tops[(side, key)] = y
            name = names[(side, key)]
            nodes.append(
                Node(
                    label=_short(name),
                    name=name,
                    members=counts[key],
                    x=x,
                    y=round(y, 1),
                    height=round(height, 1),
                    text_x=x - 8 if side == "s" else x + NODE_WIDTH + 8,
                    anchor="end" if side == "s" else "start",
                    colour=colours.get(key, "#5a6b7a") if side == "s" else "#5a6b7a",
                )
            )
            y += height + GAP
    bottom = max(node.y + node.height for node in nodes)

    # Within a role, bands are stacked in the order of the roles at their other end, so
    # they do not cross more than they must.
    left_rank = {key: index for index, key in enumerate(left)}
    right_rank = {key: index for index, key in enumerate(right)}
    out_offset = dict.fromkeys(left, 0.0)
    in_offset = dict.fromkeys(right, 0.0)
    starts: dict[int, float] = {}
    for index, path in sorted(
        enumerate(drawn),
        key=lambda item: (left_rank[item[1].source.key], right_rank[item[1].target.key]),
    ):
        starts[index] = tops[("s", path.source.key)] + out_offset[path.source.key]
        out_offset[path.source.key] += path.members * unit
    ends: dict[int, float] = {}
    for index, path in sorted(
        enumerate(drawn),
        key=lambda item: (right_rank[item[1].target.key], left_rank[item[1].source.key]),
    ):
        ends[index] = tops[("t", path.target.key)] + in_offset[path.target.key]
        in_offset[path.target.key] += path.members * unit

    x0, x1 = LEFT_X + NODE_WIDTH, RIGHT_X
    middle = (x0 + x1) / 2
    bands = []
    for index, path in enumerate(drawn):
        y0, y1, h = starts[index], ends[index], path.members * unit
        d = (
            f"M{_r(x0)} {_r(y0)} C{_r(middle)} {_r(y0)} {_r(middle)} {_r(y1)} {_r(x1)} {_r(y1)} "
            f"L{_r(x1)} {_r(y1 + h)} C{_r(middle)} {_r(y1 + h)} {_r(middle)} {_r(y0 + h)} "
            f"{_r(x0)} {_r(y0 + h)} Z"
        )
        months = f", median {path.median_text} months" if path.median_text else ""
        title = (
            f"{path.source.name} → {path.target.name}: {path.members} members{months}, "
            f"{path.changed_percent}% changed role"
        )
        bands.append(Band(d, colours[path.source.key], title))
    return Diagram(WIDTH, int(bottom + 16), nodes, bands, len(drawn))
