"""Every registered experiment, both profiles: typed settings, JSON-able units, claims that
never pass on no data (or, where they cannot be computed on none, a named test of rows that must
fail); and the layers import downwards (no experiment module imports another)."""

import ast
import json
from pathlib import Path

import pytest

from curse_of_memory.cli import expected_time
from curse_of_memory.experiments import registry
from curse_of_memory.harness.settings import PROFILES, Settings

EXPERIMENTS = list(registry().values())
PACKAGE = Path(__file__).parents[1] / "src" / "curse_of_memory"
# The experiments whose claims cannot be computed on no rows, each with the test that feeds them
# rows that must fail: with the empty-rows check below, every experiment has one.
FAILING_ROWS_TESTS = {
    "li2022-approximation": "test_approximation_end_to_end_and_claims_fail_without_a_curse",
    "li2022-plateau": "test_plateau_end_to_end_and_flat_hitting_times_fail",
    "wang2024-memory-function": "test_memory_function_claims_fail_for_a_slow_nonlinear_model",
    "wang2024-perturbation": "test_perturbation_end_to_end_at_toy_scale",
    "wang2024-stablessm": "test_stablessm_claims_follow_the_rows",
    "zucchet2024-fig1": "test_fig1_claims_pass_on_theory_and_fail_on_bad_monte_carlo",
    "zucchet2024-fig2": "test_fig2_as_published_changes_the_expected_limit",
    "zucchet2024-fig6": "test_fig6_claims_hold_and_fail_on_a_wrong_curvature",
    "zucchet2024-fig12": "test_fig12_claims_on_rows_that_must_fail",
    "zucchet2024-fig14": "test_fig14_constant_gates_are_exact_at_toy_scale",
    "zucchet2024-fig15": "test_fig15_claims_fail_when_the_state_ignores_its_timescale",
}
TEST_NAMES = {
    node.name
    for path in Path(__file__).parent.glob("test_*.py")
    for node in ast.parse(path.read_text()).body
    if isinstance(node, ast.FunctionDef)
}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=lambda e: e.id)
def test_settings_and_units(experiment, profile):
    s = experiment.settings(profile)
    assert isinstance(s, Settings) and s.profile == profile and s.seed == experiment.default_seed
    units = experiment.units(s)
    assert units, "an experiment has at least one unit"
    text = json.dumps(units, sort_keys=True, allow_nan=False)  # plain JSON: no default=, no NaN
    assert json.loads(text) == units
    json.dumps(s.to_json(), allow_nan=False)


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=lambda e: e.id)
def test_no_claim_passes_without_data(experiment):
    """On no rows a claim fails, or the claims cannot be computed (the run then fails with exit
    status 1, keeping the previous outputs) and a named test feeds them rows that must fail:
    none passes by construction."""
    for profile in PROFILES:
        try:
            claims = experiment.claims([], experiment.settings(profile))
        except (KeyError, IndexError, ValueError, TypeError, ZeroDivisionError):
            assert experiment.id in FAILING_ROWS_TESTS, f"{experiment.id}: no test of its claims on rows that must fail"
            assert FAILING_ROWS_TESTS[experiment.id] in TEST_NAMES, FAILING_ROWS_TESTS[experiment.id]
            continue
        assert not [c.claim for c in claims if c.passed], f"{experiment.id} ({profile}) passes claims on no rows"
        assert any(c.checked for c in claims), f"{experiment.id} ({profile}) checks nothing on no rows"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_layers_import_downwards():
    """No experiment module imports another experiment's module (what they share lives in a
    module of their paper's package); diagnose/, runner/ and harness/ never import experiments."""
    experiment_modules = {
        f"curse_of_memory.experiments.{path.parent.name}.{path.stem}"
        for path in (PACKAGE / "experiments").glob("*/*.py")
        if "\nEXPERIMENT = " in path.read_text()
    }
    assert len(experiment_modules) == len(EXPERIMENTS)
    for path in (PACKAGE / "experiments").glob("*/*.py"):
        imported = _imported_modules(path) & experiment_modules
        assert not imported, f"{path.relative_to(PACKAGE)} imports the experiment modules {imported}"
    for layer in ("diagnose", "runner", "harness"):
        for path in (PACKAGE / layer).glob("*.py"):
            bad = {m for m in _imported_modules(path) if m.startswith("curse_of_memory.experiments")}
            assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


def test_readme_lists_every_experiment_with_its_expected_times():
    """The README's experiment table has one row per registered id with the quick and full
    times that `list` prints (the registry's `minutes`)."""
    text = (PACKAGE.parents[1] / "README.md").read_text()
    section = text.split("\n## Experiments\n", 1)[1].split("\n#", 1)[0]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("| `")]
    times = {row[0].strip("`"): row[-2:] for row in cells}
    assert len(times) == len(cells), "an id is listed twice"
    expected = {e.id: [expected_time(e.minutes["quick"]), expected_time(e.minutes["full"])] for e in EXPERIMENTS}
    assert times == expected
