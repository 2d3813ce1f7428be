"""`make bench`: run every benchmark section, then print all their numbers as one JSON line.

Each section is a script of its own that prints a human summary and, as its last line, a JSON
object; sections run one after another (never in parallel: they measure the same machine).
A section that cannot run here (the GPU one without CUDA) says so and is left out.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTIONS = [
    "bench_film.py",
    "bench_storyboard.py",
    "bench_api.py",
    "bench_gpu.py",
    "bench_youtube.py",
    "bench_crm.py",
    "bench_show.py",
]
WEB_OUT = HERE.parent / "web" / "out"
WEB_BUDGET_KB = 150


def web_first_load_kb(out: Path = WEB_OUT) -> dict:
    """Gzipped JavaScript each page of the web app's build loads first (its <script src> tags,
    less the noModule polyfills modern browsers skip), in kB; the largest is held to
    WEB_BUDGET_KB. Empty when the app is not built (`make web`)."""
    routes = {}
    for page in sorted(out.rglob("index.html")):
        sources = set(
            re.findall(r'<script src="(/_next/[^"]+\.js)"(?![^>]*noModule)', page.read_text())
        )
        size = sum(len(gzip.compress((out / s.lstrip("/")).read_bytes(), 9)) for s in sources)
        routes["/" + str(page.parent.relative_to(out)).strip(".")] = round(size / 1024, 1)
    if not routes:
        return {}
    for route, kb in routes.items():
        print(f"web first load {route:<16} {kb:6.1f} kB gzipped")
    worst = max(routes.values())
    print(f"web first load max {worst} kB (budget {WEB_BUDGET_KB} kB)")
    return {"web_first_load_kb_max": worst}


def main() -> int:
    merged: dict = {}
    failed = []
    for name in SECTIONS:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n=== {name} ===", flush=True)
        proc = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        print("\n".join(lines[:-1]))
        if proc.returncode or not lines:
            failed.append(name)
            continue
        try:
            merged.update(json.loads(lines[-1]))
        except json.JSONDecodeError:
            print(lines[-1])
            failed.append(name)
    print("\n=== web first load ===", flush=True)
    merged.update(web_first_load_kb())
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
    print(json.dumps(merged))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
