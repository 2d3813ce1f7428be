"""`make bench`: run every benchmark section, then print all their numbers as one JSON line.

Each section is a script of its own that prints a human summary and, as its last line, a JSON
object; sections run one after another (never in parallel: they measure the same machine).
A section that cannot run here (the GPU one without CUDA) says so and is left out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTIONS = ["bench_film.py", "bench_api.py", "bench_gpu.py"]


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
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
    print(json.dumps(merged))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
