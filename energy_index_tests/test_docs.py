"""The docs are tested (issue 30): every documented command, query and Python snippet runs against
the suite's warehouse built from the offline mirror (the real sources the docs' examples quote), every code block either runs or says why not, the README stays a short
landing page whose links resolve, and the settings reference names every variable the code reads.
The site's strict build, the dbt catalog and the notebook run in `test_dbt_docs.py` (`make docs`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from energy_index.environment import ENVIRONMENT
from energy_index.settings import HOME_ENV, REPO_ROOT
from energy_index_tests.fixtures import corporate
from energy_index_tests.fixtures.doc_blocks import DOCS_DIR, RUNNABLE, blocks, pages, runnable_blocks
from energy_index_tests.fixtures.pipeline import published, query

README_MAX_LINES = 150


@pytest.fixture
def workdir(tmp_path):
    """A directory that looks like the repository to a documented command: `.venv`, `sql/` and
    `dbt_project/` where the README says, and `report.pdf` (a generated sustainability report)."""
    for name in (".venv", "sql", "dbt_project"):
        (tmp_path / name).symlink_to(REPO_ROOT / name)
    (tmp_path / "report.pdf").write_bytes(corporate.google_report())
    return tmp_path


def doc_environment(home) -> dict:
    return {**os.environ, HOME_ENV: str(home), "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}


@pytest.mark.parametrize("block", runnable_blocks("bash", "sh"), ids=lambda b: b.id)
def test_documented_shell_commands_run(block, mirror_home, workdir):
    """Each documented shell block runs in bash, as written, on the mirror-built warehouse, and prints something."""
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.code], cwd=workdir, capture_output=True,
                            text=True, env=doc_environment(mirror_home), timeout=300)
    assert result.returncode == 0, f"{block.id} failed:\n{block.code}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    assert result.stdout.strip(), f"{block.id} printed nothing"


@pytest.mark.parametrize("block", runnable_blocks("sql"), ids=lambda b: b.id)
def test_documented_sql_runs_on_the_snapshot(block, mirror_home):
    """Each documented SQL block runs on the published lake, as an analyst would run it."""
    for statement in [s for s in block.code.split(";") if s.strip()]:
        query(published(mirror_home), statement)


@pytest.mark.parametrize("block", runnable_blocks("python"), ids=lambda b: b.id)
def test_documented_python_runs(block, mirror_home, workdir):
    """Each documented Python snippet runs in the project's interpreter against the mirror-built warehouse."""
    result = subprocess.run([sys.executable, "-c", block.code], cwd=workdir, capture_output=True, text=True,
                            env=doc_environment(mirror_home), timeout=300)
    assert result.returncode == 0, f"{block.id} failed:\n{result.stderr[-3000:]}"


def test_every_code_block_runs_or_says_why_not():
    """A shell block whose commands the tests cannot run is marked `<!-- not tested: why -->`; the
    rest of the runnable languages run above, and a marked block gives its reason."""
    problems = []
    for page in pages():
        for block in blocks(page):
            if block.not_tested is not None and len(block.not_tested) < 10:
                problems.append(f"{block.id}: 'not tested' needs a reason")
            if block.language in ("bash", "sh") and block.not_tested is None and re.search(r"^\s*(make|export)\b",
                                                                                           block.code, re.M):
                problems.append(f"{block.id}: runs make or exports: mark it not tested, with the reason")
    assert not problems, "\n".join(problems)
    assert len(runnable_blocks(*RUNNABLE)) >= 15, "the docs should show runnable commands and queries"


def test_readme_is_a_short_landing_page_whose_links_resolve():
    """The README stays short and every relative link in it reaches a file of the repository."""
    readme = (REPO_ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= README_MAX_LINES, f"README.md has {len(readme.splitlines())} lines"
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    assert any(link.startswith("docs/") for link in local), "the README links into the docs"
    missing = [link for link in local if not (REPO_ROOT / link).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_every_environment_variable_the_code_reads_is_in_the_settings_reference():
    """The settings reference (generated from energy_index/environment.py) names every ENERGY_INDEX_*
    variable the code, the benchmark, the Makefile and the docs build use."""
    documented = {name.strip() for setting in ENVIRONMENT for name in setting.name.split(",")}
    sources = [*REPO_ROOT.glob("energy_index*/**/*.py"), REPO_ROOT / "Makefile", REPO_ROOT / "mkdocs.yml",
               DOCS_DIR / "gen_pages.py"]
    used = {name for path in sources if "energy_index_tests" not in path.parts
            for name in re.findall(r"\bENERGY_INDEX_[A-Z_]+\b", path.read_text())}
    assert used, "expected the code to read ENERGY_INDEX_* variables"
    assert not used - documented, f"read but not in energy_index/environment.py: {sorted(used - documented)}"
