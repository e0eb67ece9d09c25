"""What `energy-index run` shows a person: a line per run as it ends, a live line for the one running,
then the summary. Everything else (Dagster's event stream, dbt's output, warnings) goes to a log
file under `<home>/logs/`, whose path is printed first and again if anything fails.

The refresh executes its runs in this process (operations/launch.py), so the log is this process's
own output: file descriptors 1 and 2 are pointed at the log file for the refresh's duration
(worker processes it starts inherit them), and the console writes to a copy of the terminal's.
`energy-index run -v` or ENERGY_INDEX_VERBOSE=1 leaves the full stream on the terminal instead.
The live line (rich) is drawn only on a terminal; elsewhere (CI, a pipe) only the lines are.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dagster._core.events import DagsterEventType

from energy_index.progress import watching
from energy_index.summary import failure_lines, run_line

VERBOSE_ENV = "ENERGY_INDEX_VERBOSE"
KEPT_LOGS = 20
STEP_EVENTS = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}


def verbose_requested(flag: bool) -> bool:
    return flag or (os.environ.get(VERBOSE_ENV) or "").lower() not in ("", "0", "false", "no", "off")


class RefreshConsole:
    """`with RefreshConsole(home, verbose) as console:` around a refresh; `console.watch(instance, run)`
    around each run's execution; `console.ended(outcome)` when it ends; `console.print(...)` for the rest."""

    def __init__(self, home: Path, verbose: bool):
        self.verbose = verbose
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        self.log_path = Path(home) / "logs" / f"refresh-{stamp}.log"
        self._status = None  # the live line (rich Live) and its spinner, while a run executes
        self._spinner = None
        self._saved: list[int] = []

    def __enter__(self) -> RefreshConsole:
        from rich.console import Console

        if self.verbose:
            self._console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        for old in sorted(self.log_path.parent.glob("refresh-*.log"))[:-KEPT_LOGS]:
            old.unlink(missing_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        self._saved = [os.dup(1), os.dup(2)]
        self._terminal = os.fdopen(os.dup(self._saved[0]), "w", buffering=1)
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        self._console = Console(file=self._terminal, highlight=False, soft_wrap=True)
        self.print(f"energy-index run: the full log is {self.log_path}")
        return self

    def __exit__(self, *exc) -> None:
        self._stop_status()
        if self._saved:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(self._saved[0], 1)
            os.dup2(self._saved[1], 2)
            for fd in self._saved:
                os.close(fd)
            self._terminal.close()
            self._saved = []
            if exc[0] is not None:
                print(f"energy-index run: stopped by {exc[0].__name__}; the full log is {self.log_path}",
                      file=sys.stderr)

    def print(self, text: str = "") -> None:
        self._console.print(text, markup=False)

    def ended(self, outcome) -> None:
        """A run's line, and each failed step's error in full."""
        self.print(("  " if outcome.success else "! ") + run_line(outcome))
        for line in failure_lines(outcome):
            self.print(line)
        if outcome.failures and not self.verbose:
            self.print(f"  (the full log, with tracebacks: {self.log_path})")

    @contextmanager
    def watch(self, instance, run):
        """A live line while the run executes: its steps done, the step running, and the progress a
        long step reports (`energy_index.progress`)."""
        if self.verbose or not self._console.is_terminal:
            yield
            return
        plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
        state = {"done": 0, "steps": len(plan.step_keys_to_execute) if plan else None, "step": "starting",
                 "detail": "", "started": time.monotonic()}
        from rich.live import Live
        from rich.spinner import Spinner

        self._spinner = Spinner("dots", text=self._describe(run, state))
        # Not rich's Status: its Live would take over sys.stdout and sys.stderr, which belong to the
        # log file here, and so put Dagster's whole stream on the terminal above the live line.
        self._status = Live(self._spinner, console=self._console, transient=True, refresh_per_second=8,
                            redirect_stdout=False, redirect_stderr=False)
        self._status.start()
        stop = threading.Event()
        poller = threading.Thread(target=self._poll, args=(instance, run, state, stop), daemon=True)
        poller.start()

        def progress(what: str, done: int, total: int, item: str) -> None:
            state["detail"] = f"{what} {done}/{total}" + (f" ({item})" if item else "")

        try:
            with watching(progress):
                yield
        finally:
            stop.set()
            poller.join()
            self._stop_status()

    def _poll(self, instance, run, state: dict, stop: threading.Event) -> None:
        cursor = None
        while not stop.wait(0.5):
            try:
                records = instance.get_records_for_run(run.run_id, cursor=cursor, of_type=STEP_EVENTS, limit=1000)
            except Exception:  # noqa: BLE001 - the live line is a courtesy; the run goes on
                continue
            cursor = records.cursor
            for record in records.records:
                event = record.event_log_entry.dagster_event
                if event.event_type == DagsterEventType.STEP_START:
                    state["step"], state["detail"] = event.step_key, ""
                else:
                    state["done"] += 1
            if self._status is not None:
                self._spinner.update(text=self._describe(run, state))

    def _describe(self, run, state: dict):
        """`job (12 s): 3/40 steps, running step`, or a long step's own progress in place of the step
        count (`job (12 s): step, reports read 4/10 (report)`): what matters first, so that a narrow
        terminal cuts only the end. Plain text, never rich markup (a report id may hold brackets)."""
        from rich.text import Text

        head = f"{run.job_name} ({time.monotonic() - state['started']:.0f} s)"
        if state["detail"]:
            line = f"{head}: {state['step']}, {state['detail']}"
        else:
            steps = f"{state['done']}/{state['steps']} steps" if state["steps"] else f"{state['done']} steps done"
            line = f"{head}: {steps}, running {state['step']}"
        return Text(line[:max(self._console.width - 3, 20)])  # the spinner and a space take two columns

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
