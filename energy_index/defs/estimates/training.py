"""Training emissions: the physical formula, a learnt estimator, and the checks on published rows.

The estimator stays a formula, with its factors learnt from published figures:

- GPU-hours as stated, else from FLOPs: 6 x parameters x tokens / (peak FLOP/s x utilisation),
  utilisation learnt per accelerator as a power law in parameters (log-linear over the rows
  that state GPU-hours, parameters and tokens, kept within the utilisations seen), else the
  median over every accelerator;
- energy at the accelerators' TDP, times the PUE stated (else the median stated PUE);
- CO2e from the grid intensity stated (or given), times a learnt accounting ratio (what the
  sources' own figures make of TDP x PUE x intensity); where no intensity is stated, the
  median kgCO2e per TDP-kWh of published figures that state none.

Rows whose emissions contradict their own inputs are flagged and never learnt from.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace

from energy_index.assumptions import assumption
from energy_index.defs.estimates.inputs import Accelerator

FLOPS_PER_PARAM_TOKEN = 6  # forward + backward pass of a dense transformer (Kaplan et al. 2020)


class NotEstimable(ValueError):
    """A run whose inputs do not determine an estimate (names what is missing)."""


@dataclass(frozen=True)
class TrainingRun:
    """What is known of one training run; None where the source (or the user) is silent."""
    accelerator: Accelerator | None
    params: float | None = None
    tokens: float | None = None
    gpu_hours: float | None = None
    pue: float | None = None
    intensity_kg_per_kwh: float | None = None
    intensity_basis: str = "stated"

    @property
    def tdp_kwh(self) -> float | None:
        return self.gpu_hours * self.accelerator.tdp_w / 1000 if self.gpu_hours and self.accelerator else None

    @property
    def flops(self) -> float | None:
        return FLOPS_PER_PARAM_TOKEN * self.params * self.tokens if self.params and self.tokens else None

    @property
    def implied_utilisation(self) -> float | None:
        peak = self.accelerator.peak_flops if self.accelerator else None
        return self.flops / (self.gpu_hours * 3600 * peak) if self.flops and self.gpu_hours and peak else None


@dataclass(frozen=True)
class UtilisationLaw:
    """ln(utilisation) = intercept + slope x ln(parameters), clamped to the range it was learnt on."""
    slope: float
    intercept: float
    lowest: float
    highest: float

    def at(self, params: float) -> float:
        return min(max(math.exp(self.intercept + self.slope * math.log(params)), self.lowest), self.highest)


@dataclass
class Factors:
    """The estimator's learnt factors, with the rows each was learnt from."""
    utilisation: dict[str, UtilisationLaw]
    overall_utilisation: float | None
    kg_per_tdp_kwh: float
    accounting_ratio: float
    pue: float
    learnt_from: dict[str, int] = field(default_factory=dict)

    def utilisation_for(self, accelerator: Accelerator, params: float) -> float | None:
        law = self.utilisation.get(accelerator.name)
        return law.at(params) if law else self.overall_utilisation


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


@dataclass(frozen=True)
class Estimate:
    route: str
    gpu_hours: float
    energy_mwh: float
    co2e_t: float
    pue: float
    intensity_kg_per_kwh: float | None
    intensity_basis: str


def baseline_co2e_t(run: TrainingRun) -> float | None:
    """GPU-hours x TDP x PUE x intensity, with the assumptions table's defaults where silent."""
    if run.tdp_kwh is None:
        return None
    pue = run.pue or assumption("default_pue")
    intensity = run.intensity_kg_per_kwh if run.intensity_kg_per_kwh is not None \
        else assumption("world_average_grid_kg_per_kwh")
    return run.tdp_kwh * pue * intensity / 1000


def contradiction(run: TrainingRun, co2e_t: float | None, energy_mwh: float | None) -> str | None:
    """Why a published figure cannot follow from its own inputs, or None.

    The figure must lie between the least and the most any plausible run could emit: energy as
    stated (IT or facility) or GPU-hours x TDP at a plausible share of TDP, times a PUE from 1
    to the plausible maximum, times the stated intensity, or any plausible one if none is stated.
    """
    if co2e_t is None:
        return None
    max_pue = assumption("max_plausible_pue")
    if energy_mwh is not None:
        basis, low, high, what = energy_mwh * 1000, 1.0, max_pue, "its stated energy"
    elif run.tdp_kwh is not None:
        basis, low, high = run.tdp_kwh, assumption("min_plausible_power_to_tdp"), max_pue * 1.2
        what = "its GPU-hours x TDP"
    else:
        return None
    implied = co2e_t * 1000 / basis
    if run.intensity_kg_per_kwh is not None:
        low, high = low * run.intensity_kg_per_kwh / 1.1, high * run.intensity_kg_per_kwh * 1.1
        grid = f"the stated {run.intensity_kg_per_kwh:g} kg/kWh"
    else:
        low, high = low * assumption("min_plausible_grid_kg_per_kwh"), high * assumption("max_plausible_kg_per_kwh")
        grid = "any plausible grid"
    if low <= implied <= high or (implied == 0 and low == 0):
        return None
    return (f"{co2e_t:g} tCO2e implies {implied:.4f} kg per kWh of {what}; {grid} allows "
            f"{low:.4f}-{high:.4f}")


def fit_factors(runs: list[tuple[TrainingRun, float | None]]) -> Factors:
    """Learn the factors from (run, published location-based tCO2e) pairs that are not flagged."""
    by_accelerator: dict[str, list[tuple[float, float]]] = {}
    for run, _ in runs:
        mfu = run.implied_utilisation
        if mfu is not None and 0 < mfu <= 1:  # above 1 the row's parameters cannot all be active
            by_accelerator.setdefault(run.accelerator.name, []).append((run.params, mfu))
    everything = [u for points in by_accelerator.values() for _, u in points]
    laws = {name: utilisation_law(points) for name, points in by_accelerator.items()}
    unstated = [co2e * 1000 / run.tdp_kwh for run, co2e in runs
                if co2e and run.tdp_kwh and run.intensity_kg_per_kwh is None]
    stated_pues = [run.pue for run, _ in runs if run.pue]
    pue = statistics.median(stated_pues) if stated_pues else assumption("default_pue")
    ratios = [co2e * 1000 / (run.tdp_kwh * (run.pue or pue) * run.intensity_kg_per_kwh) for run, co2e in runs
              if co2e and run.tdp_kwh and run.intensity_kg_per_kwh]
    return Factors(
        utilisation={name: law for name, law in laws.items() if law is not None},
        overall_utilisation=statistics.median(everything) if everything else None,
        kg_per_tdp_kwh=statistics.median(unstated) if unstated
        else assumption("default_pue") * assumption("world_average_grid_kg_per_kwh"),
        accounting_ratio=statistics.median(ratios) if len(ratios) >= 2 else 1.0,
        pue=pue,
        learnt_from={"utilisation": len(everything), "kg_per_tdp_kwh": len(unstated),
                     "accounting_ratio": len(ratios), "pue": len(stated_pues)})


def estimate(run: TrainingRun, factors: Factors) -> Estimate:
    if run.accelerator is None:
        raise NotEstimable("the hardware is not in the accelerator specs")
    route, gpu_hours = "gpu_hours", run.gpu_hours
    if gpu_hours is None:
        utilisation = factors.utilisation_for(run.accelerator, run.params) if run.flops else None
        if run.flops is None or not run.accelerator.peak_flops or not utilisation:
            raise NotEstimable("neither GPU-hours nor parameters, training tokens and the accelerator's "
                               "peak throughput are known")
        route, gpu_hours = "flops", run.flops / (run.accelerator.peak_flops * utilisation * 3600)
    tdp_kwh = replace(run, gpu_hours=gpu_hours).tdp_kwh
    pue = run.pue or factors.pue
    if run.intensity_kg_per_kwh is not None:
        co2e_kg = tdp_kwh * pue * run.intensity_kg_per_kwh * factors.accounting_ratio
        intensity, basis = run.intensity_kg_per_kwh, run.intensity_basis
    else:
        co2e_kg, intensity = tdp_kwh * factors.kg_per_tdp_kwh, None
        basis = "none stated: learnt kgCO2e per TDP-kWh of published figures without a stated grid"
    return Estimate(route, gpu_hours, tdp_kwh * pue / 1000, co2e_kg / 1000, pue, intensity, basis)


def interval(residuals: list[float]) -> tuple[float, float]:
    """Multipliers (low, high) around a central estimate: the 10th/90th percentiles of validation
    log-residuals ln(published / estimate), at least the assumed minimum half-width."""
    floor = assumption("training_range_min_half_width")
    if len(residuals) >= 2:
        deciles = statistics.quantiles(residuals, n=10, method="inclusive")
        low, high = math.exp(deciles[0]), math.exp(deciles[-1])
    else:
        low = high = 1.0
    return min(low, 1 - floor), max(high, 1 + floor)
