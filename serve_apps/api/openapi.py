"""Write the API's OpenAPI document from the app object, no server: the web client's source.

.venv/bin/python -m serve_apps.api.openapi web/openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from infra.settings import Settings
from serve_apps.api.main import create_app


def document() -> dict:
    # Settings only shape limits in descriptions; the lifespan (database, keys) never runs.
    return create_app(Settings()).openapi()


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path("web/openapi.json")
    out.write_text(json.dumps(document(), indent=2, sort_keys=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
