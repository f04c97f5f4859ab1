"""The figure of the PDQ robustness benchmark (bench/pdq_robustness.py).

Kept apart from the pipeline so matplotlib is imported only when a plot is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Curve:
    """Recall and false-match rate at every threshold 0..len-1, one matching mode."""

    label: str
    recall: npt.NDArray[np.float64]
    false_match: npt.NDArray[np.float64]
    pairs: int  # (query, distractor) pairs behind false_match


def plot(
    labels: Sequence[str],
    plain: Sequence[float],
    dihedral: Sequence[float],
    curves: Sequence[Curve],
    marks: Sequence[int],
    threshold: int,
    title: str,
    path: Path,
) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on bench machines
    import matplotlib.pyplot as plt

    fig, (bars, roc) = plt.subplots(
        1, 2, figsize=(14, 7.5), gridspec_kw={"width_ratios": [1.2, 1]}, layout="constrained"
    )
    y = np.arange(len(labels))
    bars.barh(y - 0.2, [100 * v for v in plain], 0.4, label="plain", color="#4c72b0")
    bars.barh(y + 0.2, [100 * v for v in dihedral], 0.4, label="dihedral", color="#dd8452")
    bars.set_yticks(y, labels, fontsize=9)
    bars.invert_yaxis()  # first transform at the top, as in the table
    bars.set_xlim(0, 100)
    bars.set_xlabel(f"% still matched (distance <= {threshold})")
    bars.grid(axis="x", alpha=0.3)
    bars.legend(loc="lower right")
    bars.set_title("Match rate per transform")

    # Recall against false-match rate is drawn as two curves over the threshold rather than
    # as one parametric curve: no distractor pair comes near the default threshold, so a
    # parametric curve would put every interesting threshold on the same zero point.
    colours = {"plain": "#4c72b0", "dihedral": "#dd8452"}
    rates = roc.twinx()
    thresholds = np.arange(len(curves[0].recall))
    for curve in curves:
        colour = colours.get(curve.label)
        roc.plot(thresholds, 100 * curve.recall, "-", color=colour, label=f"recall, {curve.label}")
        roc.plot(marks, [100 * curve.recall[t] for t in marks], "o", color=colour, ms=4)
        seen = curve.false_match > 0
        rates.plot(
            thresholds[seen],
            curve.false_match[seen],
            "--",
            color=colour,
            label=f"false-match rate, {curve.label}",
        )
    roc.axvline(threshold, color="grey", ls=":", lw=1)
    roc.annotate(f" default {threshold}", (threshold, 2), color="grey", fontsize=9)
    roc.set_xlim(0, thresholds[-1])
    roc.set_ylim(0, 100)
    roc.set_xlabel("threshold (Hamming distance <=)")
    roc.set_ylabel("% of edited images matched (all transforms but identity)")
    rates.set_yscale("log")
    rates.set_ylim(3 / curves[0].pairs, 1)
    rates.set_ylabel(f"false-match rate per (query, distractor) pair; {curves[0].pairs:,} pairs")
    roc.grid(alpha=0.3)
    handles = roc.get_legend_handles_labels()
    more = rates.get_legend_handles_labels()
    roc.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    roc.set_title("Threshold sweep: recall (solid) and false matches (dashed)")
    fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
