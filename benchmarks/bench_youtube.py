"""YouTube upload to the loopback fake through the real Google client: throughput with 8 MiB
chunks, and the bytes re-sent after each injected failure (target: at most one chunk).

    .venv/bin/python benchmarks/bench_youtube.py [--mb 200] [--runs 3]

Prints one JSON object. The fake is tests/utils/fake_youtube.py, in this process.
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
        }
    print(
        json.dumps(
            {
                "file_mb": args.mb,
                "chunk_bytes": CHUNK_BYTES,
                "clean_mb_per_s": [r["mb_per_s"] for r in clean],
                "faults": {
                    name: {
                        k: r[k] for k in ("mb_per_s", "bytes_resent", "failures", "sha256_equal")
                    }
                    for name, r in faults.items()
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
