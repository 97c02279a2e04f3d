"""The timeline picture: how the answer on a topic moved over time, as a PNG.

Each dated claim of a :class:`~bot.core.engine.Timeline` is a point at its date, at the
height of its status (confirmed at the top, debunked at the bottom), coloured by the most
reliable tier among its sources; the current answer is ringed and labelled. Undated claims
have no place on a time axis and are counted in a note instead.

matplotlib is imported only when a picture is drawn (it costs tens of megabytes and a few
hundred milliseconds to import), and only its object-oriented API is used (``Figure`` with
an Agg canvas, no pyplot state), so drawing is safe in a worker thread
(``asyncio.to_thread``). :func:`render_timeline` returns the plotted points with the PNG, so
tests compare the picture's data with the pack's claims.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.core.i18n import ntr, tr
from bot.core.models import STATUS_ORDER, TIER_ORDER, Tier

if TYPE_CHECKING:
    from bot.core.engine import Timeline, TimelineStep

WIDTH_PX = 1000
HEIGHT_PX = 500
DPI = 100
LABEL_CHARS = 32
CLOSE_DAYS = 240
TIER_COLOURS: dict[str, str] = {
    Tier.OFFICIAL: "#1a7f37",
    Tier.PRESS: "#0969da",
    Tier.REPORT: "#8250df",
    Tier.BLOG: "#bf8700",
    Tier.UNRELIABLE: "#cf222e",
}
"""Point colour per source tier, most reliable first (colour-blind-distinguishable hues)."""
STATUS_LEVELS: dict[str, int] = {
    status.value: len(STATUS_ORDER) - i for i, status in enumerate(STATUS_ORDER)
}
"""Height of a point per claim status: confirmed highest, debunked lowest."""


@dataclass(frozen=True)
class ChartPoint:
    """One plotted claim."""

    claim_id: str
    date: dt.date
    status: str
    tier: str
    current: bool
    label: str


@dataclass(frozen=True)
class Chart:
    png: bytes
    points: tuple[ChartPoint, ...]
    undated: int
    width: int
    height: int
    language: str | None = None
    """The language of the picture's words (None: English, also when no font could draw
    the language asked for)."""
    font: str | None = None
    """The font family the words are drawn in."""


def best_tier(step: TimelineStep) -> str:
    """The most reliable tier among a step's sources (``unreliable`` when it has none)."""
    tiers = {s.tier for s in step.sources}
    return next((t.value for t in TIER_ORDER if t.value in tiers), Tier.UNRELIABLE.value)


def _label(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LABEL_CHARS else flat[: LABEL_CHARS - 1].rstrip() + "…"


def chart_points(timeline: Timeline, language: str | None = None) -> tuple[ChartPoint, ...]:
    """The dated steps as points, oldest first (the picture's data), labelled in
    ``language``."""
    points = [
        ChartPoint(
            claim_id=step.claim_id,
            date=step.date,
            status=step.status,
            tier=best_tier(step),
            current=step.current,
            label=_label(step.text_in(language)),
        )
        for step in timeline.steps
        if step.date is not None
    ]
    return tuple(sorted(points, key=lambda p: p.date))


def _heights(points: tuple[ChartPoint, ...]) -> list[float]:
    """Status level per point, nudged apart when several share a date and a status."""
    seen: dict[tuple[dt.date, str], int] = {}
    heights = []
    for point in points:
        repeat = seen.get((point.date, point.status), 0)
        seen[(point.date, point.status)] = repeat + 1
        heights.append(STATUS_LEVELS.get(point.status, 0) + 0.15 * repeat)
    return heights


def _label_levels(points: tuple[ChartPoint, ...], heights: list[float]) -> list[int]:
    """How many lines up each label goes, so that labels of points close together (within
    ``CLOSE_DAYS`` and one status level) stack instead of overprinting."""
    levels: list[int] = []
    for i, (point, height) in enumerate(zip(points, heights, strict=True)):
        taken = {
            levels[j]
            for j in range(i)
            if (point.date - points[j].date).days <= CLOSE_DAYS and abs(height - heights[j]) < 1
        }
        levels.append(next(n for n in range(len(points) + 1) if n not in taken))
    return levels


def _covers(path: str, characters: frozenset[int]) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(c) for c in characters)


@lru_cache(maxsize=32)
def font_for(text: str) -> str | None:
    """A font family with a glyph for every character of ``text``: matplotlib's default if
    it has them, else an installed font that does (a regular upright one first), else None.
    System fonts matplotlib has not listed yet (a package installed after its font cache
    was built) are added first; matplotlib's own fonts are never chosen (none has more
    scripts than the default, and its "last resort" font has only boxes). Remembered per
    text: the search opens font files."""
    import matplotlib
    from matplotlib import font_manager

    characters = frozenset(ord(c) for c in text if not c.isspace())
    default = font_manager.findfont(font_manager.FontProperties())
    if _covers(default, characters):
        return str(font_manager.FontProperties(fname=default).get_name())
    manager = font_manager.fontManager
    bundled = matplotlib.get_data_path()
    listed = {entry.fname for entry in manager.ttflist}
    for path in sorted(set(font_manager.findSystemFonts()) - listed):
        try:
            manager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue  # not a font matplotlib can read
    candidates = sorted(
        (e for e in manager.ttflist if not e.fname.startswith(bundled)),
        key=lambda e: (e.style != "normal", abs(int(e.weight) - 400), e.name, e.fname),
    )
    for entry in candidates:
        if _covers(entry.fname, characters):
            return str(entry.name)
    return None


def render_timeline(timeline: Timeline, topic: str, language: str | None = None) -> Chart:
    """Draw ``timeline`` as a ``WIDTH_PX`` × ``HEIGHT_PX`` PNG titled "Timeline: ``topic``",
    its fixed words (title, statuses, tiers, notes) in ``language`` when the font can draw
    them, else in English. CPU-bound: call it off the event loop."""
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    words = [tr(language, "Timeline: {topic}"), tr(language, "source")]
    words += [tr(language, word) for word in (*STATUS_LEVELS, *TIER_COLOURS)]
    family = font_for(" ".join(words))
    if family is None:
        language = None  # no installed font has that script: English words, not boxes
        family = font_for("")
    points = chart_points(timeline, language)
    undated = len(timeline.steps) - len(points)
    families = [family, "DejaVu Sans"]  # claim labels keep a fallback for other scripts
    title = tr(language, "Timeline: {topic}").format(topic=topic)
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    heights = _heights(points)
    dates = [p.date for p in points]
    if points:
        axes.plot(dates, heights, color="#d0d7de", linewidth=1, zorder=1)
        axes.scatter(
            dates,
            heights,
            c=[TIER_COLOURS.get(p.tier, "#57606a") for p in points],
            s=70,
            zorder=3,
            edgecolors="white",
        )
    first, last = (dates[0], dates[-1]) if dates else (None, None)
    for point, height, level in zip(points, heights, _label_levels(points, heights), strict=True):
        left = (
            first is not None
            and last is not None
            and last > first
            and ((point.date - first) / (last - first) > 0.75)
        )
        if point.current:
            axes.scatter(
                [point.date], [height], s=320, facecolors="none", edgecolors="black", zorder=4
            )
        axes.annotate(
            ("► " if point.current else "") + point.label,
            (mdates.date2num(point.date), height),
            xytext=(-7 if left else 7, 4 + 11 * level),
            textcoords="offset points",
            horizontalalignment="right" if left else "left",
            fontsize=8,
            fontweight="bold" if point.current else "normal",
            fontfamily=families,
        )
    axes.set_yticks(
        list(STATUS_LEVELS.values()),
        [tr(language, s) for s in STATUS_LEVELS],
        fontfamily=families,
    )
    axes.set_ylim(min(STATUS_LEVELS.values()) - 0.6, max(STATUS_LEVELS.values()) + 0.8)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(axes.xaxis.get_major_locator()))
    axes.margins(x=0.12)
    axes.grid(axis="y", color="#eaeef2")
    axes.set_title(title, fontsize=12, fontfamily=families)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colour, label=tr(language, tier))
        for tier, colour in TIER_COLOURS.items()
        if any(p.tier == tier for p in points)
    ]
    if handles:
        axes.legend(
            handles=handles,
            title=tr(language, "source"),
            loc="lower right",
            prop={"family": families, "size": 8},
            title_fontproperties={"family": families},
        )
    if undated:
        note = ntr(
            language,
            "{count} undated claim not shown",
            "{count} undated claims not shown",
            undated,
        )
        figure.text(0.01, 0.01, note.format(count=undated), fontsize=8, fontfamily=families)
    figure.subplots_adjust(left=0.12, right=0.98, top=0.92, bottom=0.09)  # no tight_layout:
    buffer = io.BytesIO()  # it would draw the figure once more only to measure it
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    return Chart(buffer.getvalue(), points, undated, WIDTH_PX, HEIGHT_PX, language, family)
