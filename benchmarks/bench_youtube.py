"""YouTube upload to the loopback fake through the real Google client: throughput with 8 MiB
chunks, and the bytes re-sent after each injected failure (target: at most one chunk).

    .venv/bin/python benchmarks/bench_youtube.py [--mb 200] [--runs 3]

Prints a summary, then one JSON line (for `make bench`). The fake is
tests/utils/fake_youtube.py, in this process, so client and server share this machine's CPU.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.utils.fake_youtube import FakeYouTube  # noqa: E402
from youtube.client import build_youtube  # noqa: E402
from youtube.metadata import VideoMetadata, video_body  # noqa: E402
from youtube.oauth import OAuthClient  # noqa: E402
from youtube.upload import CHUNK_BYTES, ResumableUpload  # noqa: E402


def service_for(fake: FakeYouTube):
    s = fake.settings()
    oauth = OAuthClient(
        s["youtube_client_id"],
        s["youtube_client_secret"],
        "http://127.0.0.1/cb",
        s["youtube_auth_url"],
        s["youtube_token_url"],
        s["youtube_revoke_url"],
        s["youtube_device_url"],
    )
    return build_youtube(oauth.credentials(oauth.refresh(fake.grant())), fake.url + "/")


def upload(path: Path, *, drops=(), fail_503=0) -> dict:
    with FakeYouTube() as fake:
        fake.drop_after = list(drops)
        fake.fail_503 = fail_503
        service = service_for(fake)
        body = video_body(VideoMetadata(title="bench"))
        start = time.perf_counter()
        video = ResumableUpload(service, path, body, sleep=lambda s: None).run()
        seconds = time.perf_counter() - start
        size = path.stat().st_size
        same = (
            hashlib.sha256(fake.video_bytes(video["id"])).hexdigest()
            == hashlib.sha256(path.read_bytes()).hexdigest()
        )
        return {
            "seconds": round(seconds, 3),
            "mb_per_s": round(size / 1e6 / seconds, 1),
            "bytes_resent": fake.bytes_received - size,
            "failures": fake.failures,
            "sha256_equal": same,
        }


def resumed_after_kill(path: Path) -> dict:
    """A worker dies after two acknowledged chunks; a new uploader goes on from the stored
    session and offset. The bytes re-sent are what the fake received twice."""
    stored: dict = {}

    class Died(Exception):
        pass

    def keep(uri, acknowledged):
        stored.update(uri=uri, acknowledged=acknowledged)
        if acknowledged >= 2 * CHUNK_BYTES:
            raise Died

    with FakeYouTube() as fake:
        service = service_for(fake)
        body = video_body(VideoMetadata(title="bench"))
        try:
            ResumableUpload(service, path, body, on_progress=keep).run()
        except Died:
            pass
        video = ResumableUpload(
            service, path, body, session_uri=stored["uri"], acknowledged=stored["acknowledged"]
        ).run()
        size = path.stat().st_size
        same = (
            hashlib.sha256(fake.video_bytes(video["id"])).hexdigest()
            == hashlib.sha256(path.read_bytes()).hexdigest()
        )
        return {
            "mb_per_s": None,
            "bytes_resent": fake.bytes_received - size,
            "failures": [{"kind": "worker killed", "at": stored["acknowledged"]}],
            "sha256_equal": same,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "film.mp4"
        path.write_bytes(os.urandom(args.mb * 1_000_000))
        clean = [upload(path) for _ in range(args.runs)]
        faults = {
            "drop_3MB_and_7MB_into_chunks": upload(path, drops=[3_000_000, 7_000_000]),
            "drop_1_byte_before_chunk_end": upload(path, drops=[CHUNK_BYTES - 1]),
            "two_503": upload(path, fail_503=2),
            "worker_killed_after_2_chunks": resumed_after_kill(path),
        }
    speeds = sorted(r["mb_per_s"] for r in clean)
    print(f"upload of {args.mb} MB in {CHUNK_BYTES // 2**20} MiB chunks to the loopback fake:")
    print(f"  clean runs: {', '.join(f'{v} MB/s' for v in speeds)}")
    worst = 0.0
    for name, r in faults.items():
        per = r["bytes_resent"] / max(1, len(r["failures"]))
        worst = max(worst, per / CHUNK_BYTES)
        print(
            f"  {name}: {r['bytes_resent']} bytes re-sent over {len(r['failures'])} failures "
            f"({per / CHUNK_BYTES:.2f} chunk each), same SHA-256: {r['sha256_equal']}"
        )
    assert all(r["sha256_equal"] for r in [*clean, *faults.values()])
    print(
        json.dumps(
            {
                "youtube_upload_mb": args.mb,
                "youtube_chunk_bytes": CHUNK_BYTES,
                "youtube_upload_mb_per_s_median": speeds[len(speeds) // 2],
                "youtube_resent_chunks_per_failure_max": round(worst, 3),
                "youtube_resent_bytes": {n: r["bytes_resent"] for n, r in faults.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
