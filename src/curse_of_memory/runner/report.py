"""`curse-of-memory report OUT_DIR`: one self-contained HTML page for a results folder.

It reads every OUT_DIR/<id>/ written by `reproduce` (meta.json, claims.json, figure.png) and
writes OUT_DIR/index.html: a table of every experiment (paper, figure, profile, claims
passed, run time, versions of Python, JAX and the package), then each experiment's claims
with expected and measured values and a pass/fail mark, its figure embedded as base64, and
its notes. No scripts, no external files: the page opens anywhere.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from html import escape
from pathlib import Path

from curse_of_memory.errors import ConfigError
from curse_of_memory.runner.store import atomic_write
from curse_of_memory.runner.sweep import versions

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.pass { color: #1a7f37; font-weight: bold; }
.fail { color: #c62828; font-weight: bold; }
section { border-top: 2px solid #ddd; margin-top: 2rem; }
img { max-width: 100%; border: 1px solid #eee; }
.meta { color: #555; font-size: 0.9rem; }
"""


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def load_results(out_dir: Path) -> list[dict]:
    """Every experiment folder under out_dir that `reproduce` finished, in natural id order."""
    found = []
    for folder in sorted(Path(out_dir).iterdir(), key=lambda p: _natural(p.name)) if Path(out_dir).is_dir() else []:
        meta, claims = folder / "meta.json", folder / "claims.json"
        if meta.is_file() and claims.is_file():
            figure = folder / "figure.png"
            found.append(
                {
                    "meta": json.loads(meta.read_text()),
                    "claims": json.loads(claims.read_text()),
                    "figure": base64.b64encode(figure.read_bytes()).decode() if figure.is_file() else None,
                }
            )
    return found


def _verdict(passed: bool) -> str:
    return '<span class="pass">&#10003; pass</span>' if passed else '<span class="fail">&#10007; FAIL</span>'


def _versions(v: dict) -> str:
    return escape(f"Python {v.get('python')}, JAX {v.get('jax')}, curse-of-memory {v.get('curse_of_memory')}")


def _experiment_section(result: dict) -> str:
    meta, claims = result["meta"], result["claims"]
    s = meta["settings"]
    rows = "".join(
        f"<tr><td>{escape(c['claim'])}</td><td>{escape(str(c['expected']))}</td>"
        f"<td>{escape(str(c['measured']))}</td><td>{_verdict(c['passed'])}</td></tr>"
        for c in claims
    )
    figure = (
        f'<img src="data:image/png;base64,{result["figure"]}" alt="figure of {escape(meta["id"])}">'
        if result["figure"]
        else "<p>(no figure)</p>"
    )
    notes = f"<p><b>Notes.</b> {escape(meta['notes'])}</p>" if meta.get("notes") else ""
    published = ", as published" if s.get("as_published") else ""
    return f"""
<section id="{escape(meta["id"])}">
<h2>{escape(meta["id"])}</h2>
<p>{escape(meta["description"])}</p>
<p class="meta">{escape(meta["paper"])}, {escape(meta["figure"])} &middot; profile {escape(s["profile"])}
(seed {escape(str(s["seed"]))}{published}) &middot; compute time {meta["seconds"]:.0f} s &middot;
{_versions(meta["versions"])} &middot; finished {escape(meta.get("finished", ""))}</p>
<table><tr><th>claim</th><th>expected</th><th>measured</th><th>verdict</th></tr>{rows}</table>
{figure}
{notes}
</section>"""


def render(results: list[dict], title: str) -> str:
    summary = "".join(
        f'<tr><td><a href="#{escape(r["meta"]["id"])}">{escape(r["meta"]["id"])}</a></td>'
        f"<td>{escape(r['meta']['paper'])}</td><td>{escape(r['meta']['figure'])}</td>"
        f"<td>{escape(r['meta']['settings']['profile'])}</td>"
        f"<td>{sum(c['passed'] for c in r['claims'])} / {len(r['claims'])}</td>"
        f"<td>{r['meta']['seconds']:.0f} s</td><td>{_versions(r['meta']['versions'])}</td></tr>"
        for r in results
    )
    passed = sum(c["passed"] for r in results for c in r["claims"])
    total = sum(len(r["claims"]) for r in results)
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">{len(results)} experiments, {passed} of {total} claims pass. Written {now} by
{_versions(versions())}.</p>
<table><tr><th>experiment</th><th>paper</th><th>figure</th><th>profile</th><th>claims passed</th>
<th>compute time</th><th>versions</th></tr>{summary}</table>
{"".join(_experiment_section(r) for r in results)}
</body></html>
"""


def write_report(out_dir: Path, title: str = "curse-of-memory: reproduced results") -> Path:
    """Write out_dir/index.html; ConfigError when the folder holds no finished experiment."""
    results = load_results(out_dir)
    if not results:
        raise ConfigError(
            f"no experiment results in {str(out_dir)!r}: expected folders <id>/ with meta.json and "
            "claims.json, as written by `curse-of-memory reproduce --out` (or `diagnose`)"
        )
    path = Path(out_dir) / "index.html"
    atomic_write(path, lambda tmp: tmp.write_text(render(results, title), encoding="utf-8"))
    return path
