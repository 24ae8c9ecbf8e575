"""The results gallery: publishing a run replaces its entry whole, and the generated table
counts checked and informational claims and explains failing ones."""

import json

import pytest

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment
from curse_of_memory.harness.claims import at_least, info
from curse_of_memory.runner.gallery import gallery_markdown, publish, update_gallery
from curse_of_memory.runner.store import RunStore, code_hash, unit_key

ID = "zucchet2024-fig8"


def _fake_run(results, claims, **meta):
    folder = results / ID
    (folder / "runs").mkdir(parents=True)
    (folder / "claims.json").write_text(json.dumps([c.to_json() for c in claims]))
    code = {"hash": code_hash(get_experiment(ID).run_unit)}
    meta = {"settings": {"profile": "full", "seed": 0}, "seconds": 80.0, "wall_seconds": 90.0, "code": code, **meta}
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "summary.md").write_text("# summary\n")
    (folder / "figure.png").write_bytes(b"\x89PNG")
    return folder


def test_publish_replaces_the_entry_whole_and_skips_the_store(tmp_path):
    claims = [at_least("ratio grows", 10.0, 100.0, source="Fig. 8"), info("peak", 3.0)]
    _fake_run(tmp_path / "results", claims)
    gallery = tmp_path / "gallery"
    (gallery / ID).mkdir(parents=True)
    (gallery / ID / "stale.txt").write_text("from an older run")
    entry = publish(tmp_path / "results", gallery, ID)
    assert sorted(p.name for p in entry.iterdir()) == ["claims.json", "figure.png", "meta.json", "summary.md"]
    assert [p.name for p in gallery.iterdir()] == [ID]  # no staging folder left behind

    text = gallery_markdown(gallery, {ID: get_experiment(ID)}, {ID: {"ratio grows": "rho too small."}})
    row = next(line for line in text.splitlines() if line.startswith(f"| [`{ID}`]"))
    assert "| full (seed 0) | 0 | 1 | 1 | 1.5 min |" in row
    assert "Checked claims: 0 pass, 1 fail; 1 informational." in text
    assert "Measured 10; the paper: >= 100 (Fig. 8). Likely reason: rho too small." in text


def test_a_resumed_run_shows_its_units_compute_time(tmp_path):
    # Its wall time counts only the run that finished, not the sessions that computed its units.
    _fake_run(tmp_path, [], seconds=1200.0, wall_seconds=3.0, units_reused=216, units_computed=0)
    row = next(line for line in gallery_markdown(tmp_path, {ID: get_experiment(ID)}, {}).splitlines() if "[`" in line)
    assert "| 20.0 min compute |" in row


def test_missing_and_unreadable_entries(tmp_path):
    with pytest.raises(ConfigError, match="no finished run"):
        publish(tmp_path, tmp_path / "gallery", ID)
    text = gallery_markdown(tmp_path, {ID: get_experiment(ID)}, {})
    assert f"| `{ID}` |" in text and "not run yet" in text
    folder = _fake_run(tmp_path, [], code={"hash": "0123"})
    text = gallery_markdown(tmp_path, {ID: get_experiment(ID)}, {})
    assert "full (seed 0) (stale)" in text and "1 of 1 experiments published (1 stale: computed by older" in text
    (folder / "claims.json").write_text('[{"claim": "old schema", "passed": true}]')
    with pytest.raises(ConfigError, match="current claim schema"):
        gallery_markdown(tmp_path, {ID: get_experiment(ID)}, {})


def test_update_gallery_publishes_reports_missing_and_writes_the_table(tmp_path):
    _fake_run(tmp_path / "results", [info("peak", 3.0)])
    experiments = {ID: get_experiment(ID), "zucchet2024-fig7": get_experiment("zucchet2024-fig7")}
    lines = update_gallery([tmp_path / "results"], tmp_path / "gallery", experiments)
    assert lines == [
        f"published {ID} from {tmp_path / 'results'}",
        "missing zucchet2024-fig7: no finished run published yet",
    ]
    table = (tmp_path / "gallery" / "README.md").read_text()
    assert "Checked claims: 0 pass, 0 fail; 1 informational." in table
    n = len(get_experiment("zucchet2024-fig7").units(get_experiment("zucchet2024-fig7").settings("full")))
    assert f"| `zucchet2024-fig7` | {get_experiment('zucchet2024-fig7').paper}" in table
    assert f"full: 0 of {n} units computed so far (resumable)" in table


def test_an_unfinished_full_profile_is_listed_with_its_stored_units(tmp_path):
    experiment = get_experiment(ID)
    units = experiment.units(experiment.settings("full"))
    store = RunStore(tmp_path / "results" / "runs" / ID)
    store.write(unit_key(units[0], code_hash(experiment.run_unit)), [{"value": 1.0}], 1.0)
    store.write(unit_key(units[1], "other code"), [{"value": 1.0}], 1.0)  # not today's: not counted
    store.partial(unit_key(units[1], code_hash(experiment.run_unit))).mkdir(parents=True)  # begun
    store.partial(unit_key(units[0], code_hash(experiment.run_unit))).mkdir(parents=True)  # stored: not begun
    lines = update_gallery([tmp_path / "results"], tmp_path / "gallery", {ID: experiment})
    assert lines == [f"missing {ID}: no finished run published yet"]
    progress = json.loads((tmp_path / "gallery" / ID / "progress.json").read_text())
    assert (progress["done"], progress["begun"], progress["total"]) == (1, 1, len(units)) and len(units) > 2
    table = (tmp_path / "gallery" / "README.md").read_text()
    assert f"| full: 1 of {len(units)} units computed so far, 1 more begun (resumable) |" in table


def test_every_registered_experiment_has_a_gallery_entry():
    """docs/results/ is consistent with the code: a folder per registered id, holding a finished
    run whose claims parse with today's schema and whose code hash is recorded, or the progress
    of a full profile still running."""
    from pathlib import Path

    from curse_of_memory.experiments import registry
    from curse_of_memory.runner.gallery import read_entry

    docs = Path(__file__).resolve().parents[1] / "docs" / "results"
    for experiment_id in registry():
        folder = docs / experiment_id
        if (folder / "meta.json").is_file():
            meta, claims = read_entry(folder)
            assert meta["code"]["hash"] and meta["settings"]["profile"] == "full" and claims, experiment_id
        else:
            progress = json.loads((folder / "progress.json").read_text())
            assert progress["profile"] == "full" and 0 <= progress["done"] < progress["total"], experiment_id


def test_a_huge_svg_is_left_out_of_the_gallery(tmp_path):
    from curse_of_memory.runner.gallery import MAX_SVG_BYTES

    folder = _fake_run(tmp_path / "results", [info("peak", 3.0)])
    (folder / "figure.svg").write_bytes(b" " * (MAX_SVG_BYTES + 1))
    entry = publish(tmp_path / "results", tmp_path / "gallery", ID)
    assert (entry / "figure.png").is_file() and not (entry / "figure.svg").exists()


def test_the_readme_table_is_regenerated_between_its_markers(tmp_path):
    from curse_of_memory.runner.gallery import README_MARKERS

    _fake_run(tmp_path / "results", [at_least("ratio grows", 1000.0, 100.0, source="Fig. 8")])
    readme = tmp_path / "README.md"
    start, end = README_MARKERS
    readme.write_text(f"# Project\n\nbefore\n{start}\nold table\n{end}\nafter\n")
    lines = update_gallery([tmp_path / "results"], tmp_path / "docs" / "results", {ID: get_experiment(ID)}, readme)
    assert lines[-1] == f"table written into {readme}"
    text = readme.read_text()
    assert "old table" not in text and text.startswith("# Project\n\nbefore\n") and text.endswith(f"{end}\nafter\n")
    assert "1 of 1 experiments published. Checked claims: 1 pass, 0 fail; 0 informational." in text
    assert f"[`{ID}`](docs/results/{ID}/summary.md)" in text

    unmarked = tmp_path / "NOTES.md"
    unmarked.write_text("no table here\n")
    lines = update_gallery([], tmp_path / "docs" / "results", {ID: get_experiment(ID)}, unmarked)
    assert lines[-1] == f"{unmarked} has no results-table markers: not updated"
    assert unmarked.read_text() == "no table here\n"
