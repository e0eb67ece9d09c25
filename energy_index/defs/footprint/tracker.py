"""Our own footprint, measured with CodeCarbon's offline tracker: one tracker per process.

Starting a CodeCarbon tracker costs about two seconds, so one is started per process and every
measurement is one of its tasks (about 0.05 s each). CodeCarbon measures one task at a time; a
measurement opened inside another (a model fit inside its asset's step) pauses the outer one
and adds its energy back to it when it ends, so the outer total still covers everything.

Tracking never fails the work it measures: any CodeCarbon error becomes a measurement whose
`mode` says what failed, with no figures.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

FIGURES = ("energy_kwh", "cpu_kwh", "ram_kwh", "gpu_kwh", "emissions_kg")
# CodeCarbon's names for how it got the CPU's power, in words an analyst reads
CPU_MODES = {"intel_rapl": "RAPL", "intel_power_gadget": "Intel Power Gadget", "windows_emi": "Windows EMI",
             "cpu_load": "CPU load x TDP (no RAPL)", "constant": "constant TDP estimate", "tdp": "TDP estimate"}


@dataclass
class Measurement:
    """What one measured piece of work cost; figures are None when it could not be measured."""

    name: str
    mode: str = "not measured"
    country_iso: str | None = None
    country_name: str | None = None
    duration_s: float = 0.0
    energy_kwh: float | None = None
    cpu_kwh: float | None = None
    ram_kwh: float | None = None
    gpu_kwh: float | None = None
    emissions_kg: float | None = None
    started: float = field(default_factory=time.perf_counter)

    def add(self, data) -> None:
        """Add a CodeCarbon EmissionsData (or another Measurement) to the totals."""
        values = {"energy_kwh": data.energy_consumed, "cpu_kwh": data.cpu_energy, "ram_kwh": data.ram_energy,
                  "gpu_kwh": data.gpu_energy, "emissions_kg": data.emissions} \
            if hasattr(data, "energy_consumed") else {f: getattr(data, f) for f in FIGURES}
        for name, value in values.items():
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0.0) + float(value))
        self.country_name = getattr(data, "country_name", None) or self.country_name

    @property
    def gco2e(self) -> float | None:
        return None if self.emissions_kg is None else self.emissions_kg * 1000


class Footprint:
    """A lazily started CodeCarbon OfflineEmissionsTracker with nestable measurements."""

    def __init__(self, country_iso: str | None, enabled: bool = True, tracker_options: dict | None = None,
                 output_dir: str | None = None):
        self.country_iso = country_iso
        self.enabled = enabled
        self.tracker_options = tracker_options or {}
        self.output_dir = output_dir  # CodeCarbon insists on a directory; nothing is written to it
        self._tracker = None
        self._failure: str | None = None
        self._stack: list[tuple[Measurement, str]] = []  # (measurement, its CodeCarbon task name)
        self._spent = 0.0
        self._tasks = itertools.count()
        self._described = False
        self._lock = threading.RLock()
        self.mode = "off" if not enabled else "not started"

    def retry_if_failed(self) -> None:
        """A new run gets a new tracker if the last one failed (a failure is not forever)."""
        with self._lock:
            if self._failure is not None and not self._stack:
                self._failure, self._tracker, self.mode = None, None, "not started"

    def warm_up(self) -> None:
        """Start CodeCarbon in the background (about 2 s, mostly probing the hardware), so a process
        that knows it will measure (`energy-index run`) overlaps that with loading its code; the
        first measurement waits for the warm-up to end."""
        def start() -> None:
            with self._lock:
                tracker = self._ensure_tracker()
                if tracker is not None and not self._stack:
                    try:  # CodeCarbon finds its hardware on its first task; this one is discarded
                        tracker.start_task("warm-up")
                        tracker.stop_task("warm-up")
                    except Exception as exc:  # noqa: BLE001 - tracking must never fail the work
                        self._fail(exc)

        threading.Thread(target=start, name="codecarbon-warm-up", daemon=True).start()

    def take_spent(self) -> float:
        """Seconds spent inside CodeCarbon since the last call: the tracking's own overhead."""
        spent, self._spent = self._spent, 0.0
        return spent

    def start(self, name: str) -> Measurement:
        """Begin measuring `name` (pausing whatever is being measured)."""
        began = time.perf_counter()
        with self._lock:
            try:
                return self._start(name)
            finally:
                self._spent += time.perf_counter() - began

    def stop(self, name: str) -> Measurement:
        """End `name`, the innermost open measurement, and resume the one it paused."""
        began = time.perf_counter()
        with self._lock:
            try:
                return self._stop(name)
            finally:
                self._spent += time.perf_counter() - began

    def _start(self, name: str) -> Measurement:
        measurement, task = Measurement(name, country_iso=self.country_iso), f"{name}#{next(self._tasks)}"
        tracker = self._ensure_tracker()
        if tracker is not None:
            try:
                if self._stack:
                    outer, outer_task = self._stack[-1]
                    outer.add(tracker.stop_task(outer_task))
                tracker.start_task(task)
            except Exception as exc:  # noqa: BLE001 - tracking must never fail the work
                self._fail(exc)
        self._stack.append((measurement, task))
        return measurement

    def _stop(self, name: str) -> Measurement:
        if not self._stack or self._stack[-1][0].name != name:
            # stopped out of order: measuring is wrong from here on, the work is not
            self._fail(RuntimeError(f"{name!r} stopped while {self._stack[-1][0].name if self._stack else 'nothing'!r}"
                                    " was being measured"))
            self._stack.clear()
            return Measurement(name, mode=self.mode, country_iso=self.country_iso)
        measurement, task = self._stack.pop()
        measurement.duration_s = time.perf_counter() - measurement.started
        tracker = self._tracker if self._failure is None else None
        if tracker is not None:
            try:
                measurement.add(tracker.stop_task(task))
                if not self._described:  # CodeCarbon finds its hardware on the first task
                    self.mode, self._described = describe_mode(tracker, self.country_iso), True
                if self._stack:
                    self._stack[-1][0].add(measurement)  # the outer piece of work includes this one
                    self._stack[-1] = (self._stack[-1][0], f"{self._stack[-1][0].name}#{next(self._tasks)}")
                    tracker.start_task(self._stack[-1][1])
            except Exception as exc:  # noqa: BLE001
                self._fail(exc)
        measurement.mode = self.mode
        return measurement

    @contextmanager
    def measure(self, name: str):
        """`with footprint.measure("fit: gbm"): ...`; the Measurement is filled in on exit."""
        measurement = self.start(name)
        try:
            yield measurement
        finally:
            filled = self.stop(name)
            for attribute in ("mode", "country_name", "duration_s", *FIGURES):
                setattr(measurement, attribute, getattr(filled, attribute))

    def close(self) -> None:
        if self._tracker is not None:
            try:
                self._tracker.stop()
            except Exception as exc:  # noqa: BLE001 - closing must not fail the run either
                logging.getLogger(__name__).warning("footprint tracker did not stop cleanly: %s", exc)
            self._tracker = None

    def _ensure_tracker(self):
        if not self.enabled or self._failure is not None:
            return None
        if self._tracker is None:
            try:
                self._tracker, self._described = self._new_tracker(), False
            except Exception as exc:  # noqa: BLE001
                self._fail(exc)
                return None
        return self._tracker

    def _new_tracker(self):
        from codecarbon import OfflineEmissionsTracker

        logging.getLogger("codecarbon").setLevel(logging.ERROR)  # its INFO lines would flood `make run`
        # Our settings go last: no CODECARBON_* variable or .codecarbon.config can turn on a CSV,
        # an API or a lock file. Tasks alone measure; no background scheduler is started.
        options = {**self.tracker_options, "output_methods": [],
                   "log_level": "error", "allow_multiple_runs": True,
                   **({"output_dir": self.output_dir} if self.output_dir else {}),
                   **({"country_iso_code": self.country_iso} if self.country_iso else {})}
        return OfflineEmissionsTracker(**options)

    def _fail(self, exc: Exception) -> None:
        self._failure = f"failed: {type(exc).__name__}: {exc}"[:300]
        self.mode = self._failure
        logging.getLogger(__name__).warning("footprint tracking stopped: %s", self._failure)


def describe_mode(tracker, country_iso: str | None) -> str:
    """How CodeCarbon measures here: CPU method, GPU or not, and the grid it applies."""
    parts = []
    order = {"CPU": 0, "GPU": 1, "RAM": 2}
    for hardware in sorted(getattr(tracker, "_hardware", []), key=lambda h: order.get(type(h).__name__, 3)):
        kind = type(hardware).__name__
        if kind == "CPU":
            cpu_mode = getattr(hardware, "_mode", "unknown")
            parts.append(f"CPU: {CPU_MODES.get(cpu_mode, cpu_mode)}")
        elif kind == "GPU":
            parts.append("GPU: NVML")
        elif kind == "RAM":
            parts.append("RAM: size-based estimate")
    known = country_iso and country_iso.upper() in country_intensities()
    grid = f"grid {country_iso.upper()}" if known else "grid: world average (no known country)"
    return "; ".join(parts + [grid])


COUNTRY_DATA_FILE = "data/private_infra/global_energy_mix.json"


def bundled_country_file():
    """The country energy mixes inside the installed CodeCarbon package (read, never fetched)."""
    from importlib import resources

    return resources.files("codecarbon").joinpath(COUNTRY_DATA_FILE)


@cache
def country_intensities() -> dict:
    """CodeCarbon's bundled country energy mixes, keyed by ISO 3166-1 alpha-3 code."""
    import json

    return json.loads(bundled_country_file().read_bytes())
