"""The chart of the digest: impact per question over the last twelve cycles, as a PNG.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global backend, no
display), so it is safe in a server and a test. For a template without an impact score
(Ludvika) it shows the number of reports with observations instead. The PNG carries no
timestamp, so the same series always gives the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

from reporting.i18n import translator

_ = translator("digest")

COLOURS = ("#1f5fa8", "#d9822b", "#2e8540", "#b3261e", "#7a4fb0", "#5f6b7a")


def chart_png(series: Mapping[str, Any], *, locale: str = "sv") -> bytes | None:
    """The chart, or None when there is nothing to draw."""
    cycles = series.get("cycles") or []
    questions: Mapping[str, str] = series.get("questions") or {}
    if not cycles or not questions:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    impact = series.get("metric") == "impact"
    figure = Figure(figsize=(8.0, 3.6), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    x = list(range(len(cycles)))
    for index, (number, theme) in enumerate(questions.items()):
        if impact:
            values = [c["means"].get(number, math.nan) for c in cycles]
        else:
            values = [c["observations"].get(number, 0) for c in cycles]
        label = f"{number}. {theme}"
        axes.plot(
            x,
            values,
            marker="o",
            markersize=3.5,
            linewidth=1.6,
            color=COLOURS[index % len(COLOURS)],
            label=label,
        )
    axes.set_xticks(x)
    axes.set_xticklabels([c["label"] for c in cycles], rotation=35, ha="right", fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    if impact:
        axes.set_ylim(0.8, 5.2)
        axes.set_yticks([1, 2, 3, 4, 5])
        axes.set_ylabel(_("Medelpåverkan (1–5)", locale), fontsize=8)
    else:
        axes.set_ylim(bottom=0)
        axes.set_ylabel(_("Rapporter med iakttagelser", locale), fontsize=8)
    axes.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
