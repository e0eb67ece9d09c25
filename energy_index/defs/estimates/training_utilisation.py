"""How much of its accelerators' peak a training run uses (model FLOPs utilisation), as a law
in model size per accelerator.

Two kinds of evidence, kept apart because they measure different things:

- *implied* utilisation: 6 x parameters x tokens / (GPU-hours x peak), from runs that state
  GPU-hours and tokens. GPU-hours pay for restarts, evaluation and idle time too, so this is
  what the FLOPs route must reproduce;
- *stated* utilisation: the throughput MFU papers report (the `published_training_utilisation`
  seed). It only informs accelerators the implied points do not cover, scaled by how far implied
  utilisation sits below stated MFU where both are known.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class UtilisationLaw:
    """ln(utilisation) = intercept + slope x ln(parameters), clamped to the range it was learnt on."""
    slope: float
    intercept: float
    lowest: float
    highest: float

    def at(self, params: float) -> float:
        return min(max(math.exp(self.intercept + self.slope * math.log(params)), self.lowest), self.highest)


@dataclass(frozen=True)
class StatedUtilisation:
    """A paper's stated MFU for one training run (accelerator as the specs name it)."""
    accelerator: str
    family: str
    params: float
    mfu: float


def utilisation_law(points: list[tuple[float, float]]) -> UtilisationLaw | None:
    """A power law over (parameters, utilisation) points: needs three points spanning at least
    4x in parameters, else it is the median (slope 0); None with fewer than two points."""
    if len(points) < 2:
        return None
    logs = [(math.log(p), math.log(u)) for p, u in points]
    values = [u for _, u in points]
    xs = [x for x, _ in logs]
    if len(points) >= 3 and max(xs) - min(xs) >= math.log(4):
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(y for _, y in logs)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in logs) / sum((x - mean_x) ** 2 for x in xs)
        return UtilisationLaw(slope, mean_y - slope * mean_x, min(values), max(values))
    return UtilisationLaw(0.0, math.log(statistics.median(values)), min(values), max(values))


def goodput_ratio(laws: dict[str, UtilisationLaw], stated: list[StatedUtilisation]) -> float:
    """Median of implied / stated utilisation where an accelerator has both, at most 1 (GPU-hours
    cannot do more work than the throughput a paper measured); 1 with no overlap."""
    ratios = [laws[s.accelerator].at(s.params) / s.mfu for s in stated if s.accelerator in laws]
    return min(statistics.median(ratios), 1.0) if ratios else 1.0


def stated_laws(laws: dict[str, UtilisationLaw], stated: list[StatedUtilisation],
                ratio: float) -> dict[str, UtilisationLaw]:
    """Constant laws for accelerators without implied points: the median stated MFU times the
    goodput ratio. Stated figures come from runs of 175B+ parameters only, so no size slope is
    taken from them."""
    by_accelerator: dict[str, list[float]] = {}
    for figure in stated:
        if figure.accelerator not in laws:
            by_accelerator.setdefault(figure.accelerator, []).append(figure.mfu * ratio)
    return {name: UtilisationLaw(0.0, math.log(statistics.median(values)), min(values), max(values))
            for name, values in by_accelerator.items()}
