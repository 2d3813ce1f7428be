"""`make serve`: the whole studio on this machine, on http://127.0.0.1:8000 (OpenAPI at /docs).

Starts Ray locally (or joins RAY_ADDRESS), brings the database to the newest schema, deploys the
Serve application (serve_apps/app.py) and blocks. Ctrl-C (or SIGTERM) shuts Serve and Ray down.
Queued and interrupted jobs are in the database; the next start runs them.
"""

from __future__ import annotations

import argparse
import logging
import os
import time

from db.migrate import upgrade
from infra import ray_local
from infra.settings import get_settings

log = logging.getLogger("filmstudio.server")

# Ray Serve's high-throughput ingress (Ray >= 2.55): HAProxy in front of the replicas' own HTTP
# servers, instead of the Python proxy. Read when Ray starts; export them as "0" to opt out.
APP = "studio"
HIGH_THROUGHPUT_SERVE = {"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1"}


def serve_forever(host: str = "127.0.0.1", port: int = 8000) -> None:
    from ray import serve

    from serve_apps.app import build_app

    settings = get_settings()
    upgrade(settings.database_url)
    for name, value in HIGH_THROUGHPUT_SERVE.items():
        os.environ.setdefault(name, value)
    with ray_local.ray_session():  # stops the Ray it started, and everything running on it
        own_ray = ray_local.start()
        serve.start(http_options={"host": host, "port": port})
        serve.run(build_app({}), name=APP, route_prefix="/")
        print(
            f"AI Film Studio on http://{host}:{port}  (API docs: /docs; Ctrl-C stops)", flush=True
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("shutting down…", flush=True)
        finally:
            if not own_ray:  # a shared cluster (RAY_ADDRESS): take down only this app
                serve.delete(APP)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve_forever(args.host, args.port)


if __name__ == "__main__":
    main()
