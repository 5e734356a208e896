"""Inline SVG charts for the HTML report: horizontal metric bars and a latency histogram."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, width: int = 640) -> str:
    """Horizontal bars for values in 0..1, labelled with name and value."""
    row, label_w = 22, 170
    height = row * len(bars) + 30
    plot = width - label_w - 60
    parts = [
        f"<svg role='img' aria-label='{escape(title)}' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}'>"
        f"<title>{escape(title)}</title>"
    ]
    for i, (name, value) in enumerate(bars):
        y = 10 + i * row
        v = min(max(value, 0.0), 1.0)
        colour = "#00703c" if v >= 0.9 else "#f47738" if v >= 0.6 else "#b00020"
        parts.append(
            f"<text x='{label_w - 6}' y='{y + 14}' text-anchor='end' font-size='12'>"
            f"{escape(name)}</text><rect x='{label_w}' y='{y + 2}' width='{plot}' height='16' "
            f"fill='#eeeeee'/><rect x='{label_w}' y='{y + 2}' width='{plot * v:.1f}' height='16' "
            f"fill='{colour}'/><text x='{label_w + plot + 6}' y='{y + 14}' font-size='12'>"
            f"{value:.2f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: Sequence[float], *, title: str, bins: int = 12, width: int = 640) -> str:
    """Vertical-bar histogram with the range on the x axis and counts above the bars."""
    if not values:
        return f"<p>{escape(title)}: no values.</p>"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / span * bins), bins - 1)] += 1
    height, top, bottom = 180, 20, 30
    plot_h = height - top - bottom
    bar_w = (width - 40) / bins
    peak = max(counts)
    parts = [
        f"<svg role='img' aria-label='{escape(title)}' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}'>"
        f"<title>{escape(title)}</title>"
    ]
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x = 20 + i * bar_w
        y = top + plot_h - h
        parts.append(
            f"<rect x='{x:.1f}' y='{y:.1f}' width='{bar_w - 2:.1f}' height='{h:.1f}' "
            f"fill='#1d70b8'/>"
        )
        if count:
            parts.append(
                f"<text x='{x + bar_w / 2:.1f}' y='{y - 3:.1f}' text-anchor='middle' "
                f"font-size='11'>{count}</text>"
            )
    parts.append(
        f"<text x='20' y='{height - 8}' font-size='12'>{low:.0f} ms</text>"
        f"<text x='{width - 20}' y='{height - 8}' text-anchor='end' font-size='12'>"
        f"{high:.0f} ms</text></svg>"
    )
    return "".join(parts)
