"""The Serve application graph: `serve run serve_apps.app:build_app [setting=value …]`.

`build_app(args)` binds the Ingress with settings overrides (any field of
infra.settings.Settings, e.g. `database_url=postgresql+psycopg://…`); the environment
supplies the rest. `app` is the graph with the embedded defaults (`serve run serve_apps.app:app`).
The studio tier binds its model deployments into the ingress with `bind_ingress(args, engines)`.
"""

from __future__ import annotations

from typing import Any

from ray.serve import Application

from serve_apps.ingress import Ingress


def bind_ingress(
    args: dict[str, Any] | None = None, engines: dict[str, Application] | None = None
) -> Application:
    """The ingress with settings overrides and the engines' bound deployments (name → app)."""
    return Ingress.bind(engines=engines or {}, settings=dict(args or {}))


def build_app(args: dict[str, Any]) -> Application:
    """Serve's application builder (one dict argument: the config file's `args:`)."""
    return bind_ingress(args)


app = build_app({})
