"""Trained models on disk: a half-written or damaged model is never taken for a good one."""

from __future__ import annotations

import pytest

from energy_index.defs.ml.artifacts import ModelDamaged, load_model, model_record, save_model, sidecar
from energy_index.defs.ml.production import current_score, model_path, save_if_not_worse

PAYLOAD = {"model": list(range(2000)), "grouped_macro_f1": 0.61}


def test_a_saved_model_loads_with_its_record(tmp_path):
    target = save_model(tmp_path / "m.joblib", PAYLOAD, {"grouped_macro_f1": 0.61})
    assert load_model(target)["model"] == PAYLOAD["model"]
    record = model_record(target)
    assert record["grouped_macro_f1"] == 0.61 and record["bytes"] == target.stat().st_size
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


@pytest.mark.parametrize("damage", ["truncated", "bit-flipped", "no record"])
def test_a_damaged_model_is_no_model(tmp_path, damage):
    target = save_model(tmp_path / "m.joblib", PAYLOAD, {"grouped_macro_f1": 0.61})
    data = bytearray(target.read_bytes())
    if damage == "truncated":
        target.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "bit-flipped":
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
    else:  # killed after the model was renamed into place, before its record was written
        sidecar(target).unlink()
    assert model_record(target) is None
    with pytest.raises(ModelDamaged, match=r"is not usable \(.+\); the next refresh \(make run\) trains it again"):
        load_model(target)


def test_a_damaged_production_model_is_replaced_whatever_its_recorded_score(tmp_path):
    save_if_not_worse(tmp_path, {"classifier": "old"}, {"grouped_macro_f1": 0.9})
    assert current_score(tmp_path) == 0.9
    path = model_path(tmp_path)
    path.write_bytes(path.read_bytes()[:10])
    assert current_score(tmp_path) is None
    replaced, previous = save_if_not_worse(tmp_path, {"classifier": "new"}, {"grouped_macro_f1": 0.5})
    assert replaced and previous is None and load_model(path)["classifier"] == "new"
