"""The training-emissions estimator: the formula by hand, flags, held-out validation, bad input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from energy_index.defs.estimates.inputs import InputError, read_accelerators, read_reference
from energy_index.defs.estimates.training import estimate, fit_factors
from energy_index.defs.estimates.training_validation import accuracy_table, published_rows, validate_all
from energy_index_tests.fixtures.training import reference_rows, write_csv, write_training_dir


@pytest.fixture
def training_dir(tmp_path) -> Path:
    return write_training_dir(tmp_path / "training")


def _rows(directory: Path, rows: list[dict] | None = None):
    if rows is not None:
        write_training_dir(directory, rows)
    return published_rows(read_reference(directory / "reference.csv"), read_accelerators(directory / "gpu_specs.csv"))


def _by_model(rows):
    return {row.model: row for row in rows}


def test_formula_by_hand_on_two_reference_rows(training_dir):
    from energy_index.defs.estimates.training import baseline_co2e_t

    rows = _by_model(_rows(training_dir))
    # Stated PUE and grid: 82,432 GPU-h x 0.4 kW x 1.1 x 0.385 kg/kWh = 13,963.98 kg.
    assert baseline_co2e_t(rows["Paper 7B"].run) == pytest.approx(13.96398, rel=1e-5)
    # Silent source: the assumptions' PUE 1.58 and world grid 0.48 kg/kWh: 184,320 x 0.4 x 1.58 x 0.48.
    assert baseline_co2e_t(rows["Card 2 7B"].run) == pytest.approx(55.91531, rel=1e-5)
    assert baseline_co2e_t(rows["Metered 175B"].run) is None  # no GPU-hours: the formula has no input


def test_row_contradicting_its_inputs_is_flagged_and_never_learnt_from(training_dir):
    rows = _rows(training_dir)
    flagged = {row.model: row.flag for row in rows if row.flag}
    assert list(flagged) == ["Card 4 70B redo"]
    assert "any plausible grid" in flagged["Card 4 70B redo"]
    altered = [replace(row, co2e_t=1.0) if row.flag else row for row in rows]
    learnt = lambda rs: fit_factors([(r.run, r.co2e_t) for r in rs if r.learnable])  # noqa: E731
    assert learnt(altered) == learnt(rows)


def test_leave_one_family_out_never_sees_the_held_out_family(tmp_path, training_dir):
    rows = _rows(training_dir)
    held = validate_all(rows)
    changed = [{**row, "co2e_t_location": row["co2e_t_location"] * 3} if row["family"] == "Card 3" else row
               for row in reference_rows()]
    held_changed = validate_all(_rows(tmp_path / "changed", changed))
    for model in ("Card 3 8B", "Card 3 70B"):
        lofo = held["leave_one_family_out"][model]["estimate"].co2e_t
        assert held_changed["leave_one_family_out"][model]["estimate"].co2e_t == pytest.approx(lofo)
    # ... while it is learnt from the other families: with no grid stated, Card 3 takes the grid the
    # other publishers state, so doubling theirs (and their figures with it) doubles its estimate.
    others = [{**row, "carbon_intensity_kg_per_kwh": row["carbon_intensity_kg_per_kwh"] * 2,
               "co2e_t_location": row["co2e_t_location"] * 2} if row["carbon_intensity_kg_per_kwh"] != "" else row
              for row in reference_rows()]
    held_others = validate_all(_rows(tmp_path / "others", others))
    assert held_others["leave_one_family_out"]["Card 3 8B"]["estimate"].co2e_t == pytest.approx(
        2 * held["leave_one_family_out"]["Card 3 8B"]["estimate"].co2e_t, rel=1e-3)
    # Leave one lineage out also holds out every generation of a line ("Card 2", "Card 3", "Card 4").
    assert {r.lineage for r in rows if r.family.startswith("Card")} == {"card"}


def test_estimator_beats_the_formula_on_the_same_rows(training_dir):
    rows = _rows(training_dir)
    accuracy = {(r["estimator"], r["validation"]): r for r in accuracy_table(rows, validate_all(rows)).to_dicts()}
    ours, formula = accuracy[("energy_index", "leave_one_family_out")], \
        accuracy[("baseline_formula", "leave_one_family_out")]
    assert ours["n_models"] == formula["n_models"] == 8  # "Metered 175B" states neither GPU-hours nor tokens
    assert ours["n_groups"] == 4  # Card 2, Card 3, Card 4, Paper
    assert ours["mape_pct"] < formula["mape_pct"]
    assert ours["worst_model"] and ours["worst_ape_pct"] >= ours["median_ape_pct"]


@pytest.mark.parametrize("change, problem", [
    (lambda rows: [{k: v for k, v in r.items() if k != "gpu_hours"} for r in rows], "missing columns ['gpu_hours']"),
    (lambda rows: [{**r, "gpu_hours": "1.3M"} if r["model"] == "Card 3 8B" else r for r in rows],
     "field 'gpu_hours' is not a number in row 'Card 3 8B'"),
    (lambda rows: [{**r, "params_b": 1e7} if r["model"] == "Paper 7B" else r for r in rows],
     "field 'params_b' = 10000000.0 in row 'Paper 7B' is outside"),
    (lambda rows: [{**r, "source": " "} if r["model"] == "Card 2 7B" else r for r in rows],
     "field 'source' is empty in row 'Card 2 7B'"),
])
def test_reference_file_errors_name_the_file_the_row_and_the_field(tmp_path, change, problem):
    path = write_csv(tmp_path / "reference.csv", change(reference_rows()))
    with pytest.raises(InputError) as error:
        read_reference(path)
    assert problem in str(error.value) and str(path) in str(error.value)


@pytest.mark.parametrize("name, spec", [
    ("NVIDIA A100-80GB (384 GPUs, 48 nodes)", "A100-80GB (SXM4)"), ("NVIDIA H100 80GB HBM3", "H100-80GB (SXM5)"),
    ("H100", "H100-80GB (SXM5)"), ("A100", "A100-40GB (SXM4)"), ("Tesla V100-SXM2-32GB", "V100 (SXM2)"),
    ("A10", None), ("A1000", None), ("H800", None), ("TPUv4", None),  # TPUv4: no TDP stated
])
def test_hardware_names_match_the_spec_they_mean(training_dir, name, spec):
    from energy_index.defs.estimates.inputs import find_accelerator

    found = find_accelerator(read_accelerators(training_dir / "gpu_specs.csv"), name)
    assert (found.name if found else None) == spec


def test_a_second_form_factor_keeps_names_that_say_which(tmp_path, training_dir):
    from energy_index.defs.estimates.inputs import find_accelerator
    from energy_index_tests.fixtures.training import GPU_SPECS

    path = write_csv(tmp_path / "gpu_specs.csv", [*GPU_SPECS, {"gpu": "H100-80GB (PCIe)", "tdp_w": 350,
                                                               "memory_gb": 80, "source": "Fixture datasheet"}])
    specs = read_accelerators(path)
    assert find_accelerator(specs, "H100-80GB (SXM5)").tdp_w == 700
    assert find_accelerator(specs, "NVIDIA H100 PCIe").tdp_w == 350
    assert find_accelerator(specs, "H100") is None  # 350 or 700 W: ambiguous, so not guessed


def test_mixture_of_experts_costs_its_active_parameters_and_a_known_energy_is_used_as_is(training_dir):
    rows = _rows(training_dir)
    factors = fit_factors([(r.run, r.co2e_t) for r in rows if r.learnable])
    dense = next(r.run for r in rows if r.run.tokens and r.run.accelerator and r.run.accelerator.peak_flops)
    dense = replace(dense, gpu_hours=None, intensity_kg_per_kwh=0.4, pue=1.1)
    moe = replace(dense, active_params=dense.params / 10)
    full, sparse = estimate(dense, factors), estimate(moe, factors)
    assert sparse.route == full.route == "flops"
    assert sparse.gpu_hours == pytest.approx(full.gpu_hours / 10, rel=0.05)  # same utilisation law, 1/10 FLOPs
    measured = estimate(replace(dense, energy_mwh=100.0), factors)
    assert measured.route == "energy" and measured.energy_mwh == pytest.approx(110.0)
    assert measured.co2e_t == pytest.approx(110.0 * 0.4)


def test_stated_utilisation_covers_an_accelerator_without_gpu_hours_rows_but_never_its_own_lineage(training_dir):
    from energy_index.defs.estimates.training_utilisation import StatedUtilisation
    from energy_index.defs.estimates.training_validation import held_out_estimates

    rows = _rows(training_dir)
    runs = [(r.run, r.co2e_t) for r in rows if r.learnable]
    a100 = next(r.run.accelerator.name for r in rows if r.run.accelerator and "A100-80GB" in r.run.accelerator.name)
    implied = fit_factors(runs).utilisation[a100].at(175e9)
    stated = [StatedUtilisation(a100, "Other", 175e9, implied / 0.8),  # papers' MFU sits above GPU-hours' ...
              StatedUtilisation("V100 (SXM2)", "Other", 175e9, 0.25)]
    factors = fit_factors(runs, stated)
    assert factors.goodput_ratio == pytest.approx(0.8)
    assert factors.utilisation["V100 (SXM2)"].at(7e9) == pytest.approx(0.2)  # ... so a V100 paper's 25% is 20%
    assert factors.utilisation[a100] == fit_factors(runs).utilisation[a100]  # implied points win where they exist
    # Held out by accelerator, a row's own lineage's stated figure is never used: changing it changes nothing.
    card = next(r for r in rows if r.family == "Card 3" and r.run.gpu_hours)
    own = [StatedUtilisation(card.accelerator, "Card 9", 8e9, mfu) for mfu in (0.1, 0.9)]
    results = [held_out_estimates(rows, "accelerator", withhold_gpu_hours=True, stated=[s])[card.model]
               for s in own]
    assert results[0]["estimate"].co2e_t == pytest.approx(results[1]["estimate"].co2e_t)
