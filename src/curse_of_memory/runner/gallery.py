"""The results gallery: every experiment's published outputs under docs/results/<id>/ and one
generated table, docs/results/README.md.

`publish` copies what `reproduce` wrote for an experiment (claims.json, summary.md, meta.json
and the figure, as PNG and, up to 1 MB, SVG; never the `runs/` store) from a results folder
into the gallery, replacing that experiment's previous entry whole. `gallery_markdown` writes
the table from the gallery alone: one row per registered experiment (paper and figure, the
profile that ran, checked claims passing and failing, informational claims, wall time, the
figure), then one paragraph per failing claim: what was measured against what the paper shows,
and the likely reason, read from docs/results/reasons.json ({"<id>": {"<claim text>":
"<reason>"}}), written by the person who analysed the failure. A full profile that has not
finished (the store resumes it in the next session) is listed with the share of its units
computed so far (`progress.json`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.claims import Claim, tally
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.runner.store import code_hash
from curse_of_memory.runner.sweep import profile_label, stored_units

PUBLISHED = ("claims.json", "summary.md", "meta.json", "figure.png", "figure.svg")
# An SVG of a dense scatter or image runs to tens of MB: the gallery keeps the PNG alone then.
MAX_SVG_BYTES = 1_000_000


def publish(results_dir: Path, gallery_dir: Path, experiment_id: str) -> Path:
    """Copy results_dir/<id>/'s outputs into gallery_dir/<id>/, replacing the old entry whole."""
    source = Path(results_dir) / experiment_id
    if not (source / "meta.json").is_file() or not (source / "claims.json").is_file():
        raise ConfigError(f"{source} holds no finished run of {experiment_id} (no meta.json and claims.json)")
    target = Path(gallery_dir) / experiment_id
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{experiment_id}-", dir=target.parent))
    for name in PUBLISHED:
        path = source / name
        if path.is_file() and not (path.suffix == ".svg" and path.stat().st_size > MAX_SVG_BYTES):
            shutil.copy2(path, staging / name)
    old = target.with_name(f".{experiment_id}-old")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def read_entry(folder: Path) -> tuple[dict, list[Claim]]:
    """(meta, claims) of a gallery entry; ConfigError naming the file when it does not parse."""
    try:
        meta = json.loads((folder / "meta.json").read_text())
        claims = [Claim(**c) for c in json.loads((folder / "claims.json").read_text())]
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(f"gallery entry {folder} cannot be read with the current claim schema: {error}") from None
    return meta, claims


def record_progress(results_dirs: list[Path], folder: Path, experiment: Experiment) -> None:
    """Write folder/progress.json: the most units of the full profile stored in any of
    `results_dirs` for today's code (0 when none has started), of all its units."""
    settings = experiment.settings("full")
    counts = [stored_units(experiment, settings, d) for d in results_dirs]
    done, total = max(counts, default=(0, len(experiment.units(settings))))
    folder.mkdir(parents=True, exist_ok=True)
    progress = {"profile": "full", "done": done, "total": total, "code": {"hash": code_hash(experiment.run_unit)}}
    (folder / "progress.json").write_text(json.dumps(progress, indent=2) + "\n")


def is_stale(meta: dict, experiment: Experiment) -> bool:
    """Whether the entry was computed by other code than today's (its recorded code hash differs)."""
    return (meta.get("code") or {}).get("hash") != code_hash(experiment.run_unit)


def _minutes(meta: dict) -> str:
    seconds = meta.get("wall_seconds", meta.get("seconds"))
    return "?" if seconds is None else f"{seconds / 60:.1f} min"


def gallery_markdown(gallery_dir: Path, experiments: Mapping[str, Experiment], reasons: Mapping) -> str:
    """docs/results/README.md: one row per experiment, then the failing claims explained."""
    gallery_dir = Path(gallery_dir)
    rows, failures, totals = [], [], [0, 0, 0]
    for experiment_id, experiment in experiments.items():
        folder = gallery_dir / experiment_id
        label = f"{experiment.paper}, {experiment.figure_label}"
        if not (folder / "meta.json").is_file():
            status = "not run yet"
            if (folder / "progress.json").is_file():
                progress = json.loads((folder / "progress.json").read_text())
                status = f"full: {progress['done']} of {progress['total']} units computed so far (resumable)"
            rows.append(f"| `{experiment_id}` | {label} | {status} | | | | |")
            continue
        meta, claims = read_entry(folder)
        passed, checked, n_info = tally(claims)
        totals = [totals[0] + passed, totals[1] + checked - passed, totals[2] + n_info]
        figure = f"[figure]({experiment_id}/figure.png)" if (folder / "figure.png").is_file() else "no figure"
        profile = profile_label(meta) + (" (stale)" if is_stale(meta, experiment) else "")
        rows.append(
            f"| [`{experiment_id}`]({experiment_id}/summary.md) | {label} | {profile} | {passed} "
            f"| {checked - passed} | {n_info} | {_minutes(meta)} | {figure} |"
        )
        for c in claims:
            if c.checked and not c.passed:
                reason = reasons.get(experiment_id, {}).get(c.claim, "not analysed yet.")
                failures.append(
                    f"- **`{experiment_id}`: {c.claim}.** Measured {c.measured}; the paper: {c.expected} "
                    f"({c.source}). Likely reason: {reason}"
                )
    lines = [
        "# Results gallery",
        "",
        "Generated by `curse-of-memory gallery` from the entries in this folder; do not edit by hand.",
        "Each entry is one run of an experiment (the profile column says which, and whether `--set`",
        'reduced it; "stale" when the code has changed since); its folder holds the claims, the',
        "summary, the settings, code hash and versions (meta.json) and the figure.",
        "",
        f"Checked claims: {totals[0]} pass, {totals[1]} fail; {totals[2]} informational.",
        "",
        "| experiment | paper, figure | profile | pass | fail | info | wall time | figure |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    if failures:
        lines += ["", "## Failing claims", "", *failures]
    return "\n".join(lines) + "\n"


def update_gallery(results_dirs: list[Path], gallery_dir: Path, experiments: Mapping[str, Experiment]) -> list[str]:
    """Publish every registered experiment found in `results_dirs` (a later folder's run replaces
    an earlier one's), rewrite gallery_dir/README.md, and return one line per published, stale or
    missing entry."""
    lines = []
    for results_dir in results_dirs:
        for experiment_id in experiments:
            if (Path(results_dir) / experiment_id / "meta.json").is_file():
                publish(results_dir, gallery_dir, experiment_id)
                lines.append(f"published {experiment_id} from {results_dir}")
    for experiment_id, experiment in experiments.items():
        folder = Path(gallery_dir) / experiment_id
        if not (folder / "meta.json").is_file():
            record_progress(results_dirs, folder, experiment)
            lines.append(f"missing {experiment_id}: no finished run published yet")
        elif is_stale(read_entry(folder)[0], experiment):
            lines.append(f"stale {experiment_id}: computed by other code than today's; rerun it and publish again")
    reasons_file = Path(gallery_dir) / "reasons.json"
    reasons = json.loads(reasons_file.read_text()) if reasons_file.is_file() else {}
    (Path(gallery_dir) / "README.md").write_text(gallery_markdown(gallery_dir, experiments, reasons))
    return lines
