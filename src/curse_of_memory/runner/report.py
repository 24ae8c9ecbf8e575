"""`curse-of-memory report OUT_DIR`: one self-contained HTML page for a results folder.

It reads every OUT_DIR/<id>/ written by `reproduce` (meta.json, claims.json, figure.png) and
writes OUT_DIR/index.html: a table of every experiment (paper, figure, profile and whether
`--set` reduced it, claims passed, wall and compute time, versions of Python, JAX and the
package), then each experiment's claims with expected and measured values and a verdict, its
figure embedded as base64, its settings, code hash and notes. No scripts, no external files:
the page opens anywhere. A folder that cannot be read is skipped with a warning and listed.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import re
from html import escape
from pathlib import Path

from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.claims import Claim, tally, tally_text, verdict
from curse_of_memory.runner.store import atomic_write
from curse_of_memory.runner.sweep import code_label, profile_label, time_label, versions

log = logging.getLogger("curse_of_memory")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.pass { color: #1a7f37; font-weight: bold; }
.fail { color: #c62828; font-weight: bold; }
.info { color: #555; }
section { border-top: 2px solid #ddd; margin-top: 2rem; }
img { max-width: 100%; border: 1px solid #eee; }
.meta { color: #555; font-size: 0.9rem; }
"""


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _read(folder: Path) -> dict:
    """One experiment folder: meta, claims (current schema) and the PNG figure as base64."""
    meta = json.loads((folder / "meta.json").read_text())
    for key in ("id", "paper", "figure", "description", "settings", "seconds", "versions"):
        if key not in meta:
            raise KeyError(f"meta.json has no {key!r}")
    claims = [Claim(**c) for c in json.loads((folder / "claims.json").read_text())]
    figure = folder / "figure.png"
    return {
        "meta": meta,
        "claims": claims,
        "figure": base64.b64encode(figure.read_bytes()).decode() if figure.is_file() else None,
    }


def load_results(out_dir: Path) -> tuple[list[dict], list[str]]:
    """Every experiment folder under out_dir (one with meta.json or claims.json), in natural id
    order, and the folders skipped because they cannot be read (bad JSON, an older claim
    schema, a missing file), each named in one warning line."""
    found, skipped = [], []
    folders = sorted(Path(out_dir).iterdir(), key=lambda p: _natural(p.name)) if Path(out_dir).is_dir() else []
    for folder in folders:
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        if not ((folder / "meta.json").is_file() or (folder / "claims.json").is_file()):
            continue  # not an experiment's output set (e.g. runs/)
        try:
            found.append(_read(folder))
        except (OSError, ValueError, TypeError, KeyError) as error:
            reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
            log.warning("report: skipped %s, which cannot be read (%s)", folder, reason[:200])
            skipped.append(f"{folder.name} ({reason[:200]})")
    return found, skipped


def _verdict(claim: Claim) -> str:
    return f'<span class="{claim.status}">{escape(verdict(claim))}</span>'


def _versions(v: dict) -> str:
    return escape(f"Python {v.get('python')}, JAX {v.get('jax')}, curse-of-memory {v.get('curse_of_memory')}")


def _experiment_section(result: dict) -> str:
    meta, claims = result["meta"], result["claims"]
    rows = "".join(
        f"<tr><td>{escape(c.claim)}</td><td>{escape(c.expected)}</td><td>{escape(c.measured)}</td>"
        f"<td>{_verdict(c)}</td><td>{escape(c.source)}</td></tr>"
        for c in claims
    )
    figure = (
        f'<img src="data:image/png;base64,{result["figure"]}" alt="figure of {escape(meta["id"])}">'
        if result["figure"]
        else "<p>(no figure)</p>"
    )
    if meta.get("figure_error"):
        figure += f'<p class="fail">The figure could not be drawn: {escape(meta["figure_error"])}</p>'
    notes = f"<p><b>Notes.</b> {escape(meta['notes'])}</p>" if meta.get("notes") else ""
    overrides = meta.get("overrides", {})
    settings = "".join(
        f"<tr><td>{escape(k)}</td><td><code>{escape(json.dumps(v))}</code>{' (--set)' if k in overrides else ''}"
        "</td></tr>"
        for k, v in meta["settings"].items()
    )
    return f"""
<section id="{escape(meta["id"])}">
<h2>{escape(meta["id"])}</h2>
<p>{escape(meta["description"])}</p>
<p class="meta">{escape(meta["paper"])}, {escape(meta["figure"])} &middot; profile {escape(profile_label(meta))}
&middot; {escape(time_label(meta))} &middot; {escape(code_label(meta))} &middot;
{_versions(meta["versions"])} &middot; finished {escape(meta.get("finished", ""))}</p>
<p class="meta">{tally_text(claims)}</p>
<table><tr><th>claim</th><th>expected</th><th>measured</th><th>verdict</th><th>source</th></tr>{rows}</table>
{figure}
<details><summary>Settings</summary><table><tr><th>setting</th><th>value</th></tr>{settings}</table></details>
{notes}
</section>"""


def render(results: list[dict], title: str, skipped: list[str] = ()) -> str:
    summary = "".join(
        f'<tr><td><a href="#{escape(r["meta"]["id"])}">{escape(r["meta"]["id"])}</a></td>'
        f"<td>{escape(r['meta']['paper'])}</td><td>{escape(r['meta']['figure'])}</td>"
        f"<td>{escape(profile_label(r['meta']))}</td>"
        f"<td>{passed} / {checked}</td><td>{n_info}</td>"
        f"<td>{_seconds(r['meta'])}</td><td>{_versions(r['meta']['versions'])}</td></tr>"
        for r in results
        for passed, checked, n_info in [tally(r["claims"])]
    )
    all_claims = [c for r in results for c in r["claims"]]
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">{len(results)} experiments, {tally_text(all_claims)}. Written {now} by
{_versions(versions())}.</p>
{_skipped(skipped)}<table><tr><th>experiment</th><th>paper</th><th>figure</th><th>profile</th>
<th>checked claims passing</th><th>informational</th><th>wall time (compute time)</th><th>versions</th></tr>
{summary}</table>
{"".join(_experiment_section(r) for r in results)}
</body></html>
"""


def _seconds(meta: dict) -> str:
    wall = meta.get("wall_seconds")
    return (f"{wall:.0f} s " if wall is not None else "") + f"({meta['seconds']:.0f} s)"


def _skipped(skipped: list[str]) -> str:
    if not skipped:
        return ""
    items = "".join(f"<li>{escape(s)}</li>" for s in skipped)
    return f'<p class="fail">Skipped, because they cannot be read:</p><ul>{items}</ul>'


def write_report(out_dir: Path, title: str = "curse-of-memory: reproduced results") -> Path:
    """Write out_dir/index.html; ConfigError when the folder holds no experiment folder."""
    results, skipped = load_results(out_dir)
    if not results and not skipped:
        raise ConfigError(
            f"no experiment results in {str(out_dir)!r}: expected folders <id>/ with meta.json and "
            "claims.json, as written by `curse-of-memory reproduce --out` (or `diagnose`)"
        )
    path = Path(out_dir) / "index.html"
    atomic_write(path, lambda tmp: tmp.write_text(render(results, title, skipped), encoding="utf-8"))
    return path
