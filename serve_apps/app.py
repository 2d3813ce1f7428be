"""The Serve application graph: `serve run serve_apps.app:build_app [setting=value …]`.

`build_app(args)` binds the Ingress with settings overrides (any field of
filmstudio.settings.Settings, e.g. `database_url=postgresql+psycopg://…`); the environment
supplies the rest. `app` is the graph with the embedded defaults (`serve run serve_apps.app:app`).
Model deployments for the studio tier are bound into the ingress through `engines`.
"""

from __future__ import annotations

from typing import Any

from ray.serve import Application

from serve_apps.ingress import Ingress


def build_app(args: dict[str, Any] | None = None, engines: dict[str, Application] | None = None) -> Application:
    return Ingress.bind(engines=engines or {}, settings=dict(args or {}))


app = build_app({})
