"""Training emissions: the physical formula, a learnt estimator, and the checks on published rows.

The estimator stays a formula, with its factors learnt from published figures:

- GPU-hours as stated, else from FLOPs: 6 x parameters x tokens / (peak FLOP/s x utilisation),
  utilisation learnt per accelerator as a power law in parameters (log-linear over the rows
  that state GPU-hours, parameters and tokens, kept within the utilisations seen), else from
  the MFU papers state for that accelerator (`training_utilisation`), else the median over
  every accelerator;
- energy at the accelerators' TDP, times the PUE stated (else the median stated PUE);
- CO2e from the grid intensity stated (or given), times a learnt accounting ratio (what the
  sources' own figures make of TDP x PUE x intensity); where no intensity is stated, the
  median intensity of the published runs that state one, with their spread in the range.

Rows whose emissions contradict their own inputs are flagged and never learnt from.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace

from energy_index.assumptions import assumption
from energy_index.defs.estimates.inputs import Accelerator
from energy_index.defs.estimates.training_utilisation import (StatedUtilisation, UtilisationLaw, goodput_ratio,
                                                              stated_laws, utilisation_law)

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
    active_params: float | None = None  # mixture-of-experts: parameters active per token
    energy_mwh: float | None = None  # accelerator (IT) energy when measured, before PUE

    @property
    def tdp_kwh(self) -> float | None:
        return self.gpu_hours * self.accelerator.tdp_w / 1000 if self.gpu_hours and self.accelerator else None

    @property
    def flops(self) -> float | None:
        params = self.active_params or self.params  # a token passes through the active experts only
        return FLOPS_PER_PARAM_TOKEN * params * self.tokens if params and self.tokens else None

    @property
    def implied_utilisation(self) -> float | None:
        peak = self.accelerator.peak_flops if self.accelerator else None
        return self.flops / (self.gpu_hours * 3600 * peak) if self.flops and self.gpu_hours and peak else None


@dataclass
class Factors:
    """The estimator's learnt factors, with the rows each was learnt from."""
    utilisation: dict[str, UtilisationLaw]
    overall_utilisation: float | None
    typical_intensity: float  # kg/kWh: median of the intensities published runs state
    intensity_spread: tuple[float, float]  # their 10th and 90th percentiles over the median
    accounting_ratio: float
    pue: float
    goodput_ratio: float = 1.0  # GPU-hours-implied over papers' stated utilisation, where both are known
    learnt_from: dict[str, int] = field(default_factory=dict)

    def utilisation_for(self, accelerator: Accelerator, params: float) -> float | None:
        law = self.utilisation.get(accelerator.name)
        return law.at(params) if law else self.overall_utilisation


@dataclass(frozen=True)
class Estimate:
    route: str
    gpu_hours: float | None  # None when a measured energy was given without them
    energy_mwh: float
    co2e_t: float
    pue: float
    intensity_kg_per_kwh: float
    intensity_basis: str
    grid_stated: bool = True


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
    stated (IT or facility), or GPU-hours x TDP at a plausible share of TDP (without GPU-hours,
    the fewest GPU-hours its FLOPs need: a floor only), times a PUE from 1 to the plausible
    maximum, times the stated intensity, or any plausible one if none is stated.
    """
    basis = _kwh_basis(run, energy_mwh)
    if co2e_t is None or basis is None:
        return None
    kwh, low, high, what = basis
    implied = co2e_t * 1000 / kwh
    if run.intensity_kg_per_kwh is not None:
        grid, (low, high) = f"the stated {run.intensity_kg_per_kwh:g} kg/kWh", \
            (low * run.intensity_kg_per_kwh / 1.1, high * run.intensity_kg_per_kwh * 1.1 if math.isfinite(high)
             else math.inf)
    else:
        grid, (low, high) = "any plausible grid", (low * assumption("min_plausible_grid_kg_per_kwh"),
                                                   high * assumption("max_plausible_kg_per_kwh"))
    if low <= implied <= high or (implied == 0 and low == 0):
        return None
    return f"{co2e_t:g} tCO2e implies {implied:.4f} kg per kWh of {what}; {grid} allows {low:.4f}-{high:.4f}"


def _kwh_basis(run: TrainingRun, energy_mwh: float | None) -> tuple[float, float, float, str] | None:
    """(kWh, least and most kgCO2e per kWh before the grid, what the kWh are) for the check."""
    max_pue = assumption("max_plausible_pue")
    if energy_mwh:
        return energy_mwh * 1000, 1.0, max_pue, "its stated energy"
    if run.tdp_kwh is not None:
        return run.tdp_kwh, assumption("min_plausible_power_to_tdp"), max_pue * 1.2, "its GPU-hours x TDP"
    if run.flops and run.accelerator and run.accelerator.peak_flops:
        fewest_hours = run.flops / (run.accelerator.peak_flops * 3600)
        return (fewest_hours * run.accelerator.tdp_w / 1000, assumption("min_plausible_power_to_tdp"), math.inf,
                "the fewest GPU-hours x TDP its FLOPs need")
    return None


def fit_factors(runs: list[tuple[TrainingRun, float | None]], stated: list[StatedUtilisation] = ()) -> Factors:
    """Learn the factors from (run, published location-based tCO2e) pairs that are not flagged,
    and papers' stated utilisation for accelerators those runs do not cover."""
    by_accelerator: dict[str, list[tuple[float, float]]] = {}
    for run, _ in runs:
        mfu = run.implied_utilisation
        if mfu is not None and 0 < mfu <= 1:  # above 1 the row's parameters cannot all be active
            by_accelerator.setdefault(run.accelerator.name, []).append((run.params, mfu))
    everything = [u for points in by_accelerator.values() for _, u in points]
    laws = {name: law for name, points in by_accelerator.items() if (law := utilisation_law(points))}
    goodput = goodput_ratio(laws, list(stated))  # before the stated laws join: measured against implied ones
    laws |= stated_laws(laws, list(stated), goodput)
    grids = [run.intensity_kg_per_kwh for run, _ in runs if run.intensity_kg_per_kwh is not None]
    stated_pues = [run.pue for run, _ in runs if run.pue]
    pue = statistics.median(stated_pues) if stated_pues else assumption("default_pue")
    ratios = [co2e * 1000 / (run.tdp_kwh * (run.pue or pue) * run.intensity_kg_per_kwh) for run, co2e in runs
              if co2e and run.tdp_kwh and run.intensity_kg_per_kwh]
    return Factors(
        utilisation=laws, goodput_ratio=goodput,
        overall_utilisation=statistics.median(everything) if everything else None,
        typical_intensity=statistics.median(grids) if grids else assumption("world_average_grid_kg_per_kwh"),
        intensity_spread=_spread(grids),
        accounting_ratio=statistics.median(ratios) if len(ratios) >= 2 else 1.0,
        pue=pue,
        learnt_from={"utilisation": len(everything), "stated_utilisation": len(stated),
                     "typical_intensity": len(grids), "accounting_ratio": len(ratios), "pue": len(stated_pues)})


def estimate(run: TrainingRun, factors: Factors) -> Estimate:
    if run.accelerator is None:
        raise NotEstimable("the hardware is not in the accelerator specs")
    route, gpu_hours = _route(run, factors)
    pue = run.pue or factors.pue
    stated = run.intensity_kg_per_kwh is not None
    intensity = run.intensity_kg_per_kwh if stated else factors.typical_intensity
    basis = run.intensity_basis if stated else \
        f"none stated: {intensity:.3f} kg/kWh, the median grid of published training runs that state one"
    if route == "energy":  # measured: no TDP, utilisation or accounting ratio is assumed
        facility_mwh, ratio = run.energy_mwh * pue, 1.0
    else:
        facility_mwh, ratio = replace(run, gpu_hours=gpu_hours).tdp_kwh * pue / 1000, factors.accounting_ratio
    return Estimate(route, gpu_hours, facility_mwh, facility_mwh * intensity * ratio, pue, intensity, basis, stated)


def _route(run: TrainingRun, factors: Factors) -> tuple[str, float | None]:
    """(route, accelerator-hours): a measured energy as it is, GPU-hours as stated, else from FLOPs."""
    if run.energy_mwh is not None:
        return "energy", run.gpu_hours
    if run.gpu_hours is not None:
        return "gpu_hours", run.gpu_hours
    utilisation = factors.utilisation_for(run.accelerator, run.params) if run.flops else None
    if run.flops is None or not run.accelerator.peak_flops or not utilisation:
        raise NotEstimable("neither GPU-hours nor parameters, training tokens and the accelerator's "
                           "peak throughput are known")
    return "flops", run.flops / (run.accelerator.peak_flops * utilisation * 3600)


def _spread(values: list[float]) -> tuple[float, float]:
    """10th and 90th percentiles over the median (1, 1 with fewer than two values or a zero median)."""
    middle = statistics.median(values) if values else 0.0
    if len(values) < 2 or middle <= 0:
        return 1.0, 1.0
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return deciles[0] / middle, deciles[-1] / middle


def estimate_range(result: Estimate, route_interval: tuple[float, float], factors: Factors) -> tuple[float, float]:
    """(low, high) tCO2e: the route's validated range, widened by the spread of published grids
    when the grid is not known (a guessed grid is the largest unknown there is)."""
    low, high = route_interval
    if not result.grid_stated:
        low, high = min(low, factors.intensity_spread[0]), max(high, factors.intensity_spread[1])
    return result.co2e_t * low, result.co2e_t * high


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
