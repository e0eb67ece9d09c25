"""Loading the code location imports no heavy library that only asset execution needs.

Dagster (the webserver, the daemon, every run worker) imports the code location often; Great
Expectations, camelot, scikit-learn, matplotlib and the like are imported inside the functions
that use them, so they cost nothing until an asset actually runs.
"""

import json
import subprocess
import sys

LAZY = ["great_expectations", "camelot", "sklearn", "matplotlib", "ecologits", "codecarbon", "pdfplumber",
        "reportlab"]

LOAD = """
import json, sys
import energy_index.definitions
energy_index.definitions.defs()
print(json.dumps(sorted(sys.modules)))
"""


def test_loading_the_code_location_imports_no_heavy_library():
    # A fresh interpreter: the test session itself may already have imported any of these.
    done = subprocess.run([sys.executable, "-c", LOAD], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert "energy_index.definitions" in modules
    loaded = {name.split(".")[0] for name in modules}
    assert not loaded & set(LAZY), f"imported when the code location loads: {sorted(loaded & set(LAZY))}"
