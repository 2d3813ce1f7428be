"""Where a render keeps its work and writes its outputs, all or nothing.

Outputs are built under temporary names (`film.mp4.part`) and moved into place together at the
end, the film last, so its presence means the render is complete; a render that fails or is
cancelled leaves nothing behind. With a `work_dir`, each finished stage's output is kept there,
keyed by the request, so a retried render resumes from the last finished stage.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.errors import InputError
from pipelines.request import FilmRequest

OUTPUTS = {"video": ".mp4", "srt": ".srt", "vtt": ".vtt", "thumbnail": ".jpg"}


class Workspace:
    def __init__(self, output: Path, request: FilmRequest, work_dir: Path | None = None):
        video = Path(output)
        if video.suffix.lower() != ".mp4":
            raise InputError("output", f"{video} must end in .mp4")
        self.outputs = {key: video.with_suffix(suffix) for key, suffix in OUTPUTS.items()}
        for language in request.subtitle_languages:  # OUT.<lang>.srt / .vtt
            for kind in ("srt", "vtt"):
                self.outputs[f"{kind}-{language}"] = video.with_suffix(f".{language}.{kind}")
        self.cache_dir = Path(work_dir) / cache_key(request) if work_dir else None

    def add_output(self, key: str, suffix: str) -> Path:
        """Another output beside the film (`OUT<suffix>`), written under `part(key)` and moved
        into place with the others."""
        self.outputs[key] = self.outputs["video"].with_suffix(suffix)
        return self.part(key)

    def check_writable(self) -> None:
        """Refuse an output the render could not write, before any work."""
        video = self.outputs["video"]
        try:
            video.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError("output", f"cannot create {video.parent}: {exc.strerror}") from None
        if video.is_dir():
            raise InputError("output", f"{video} is a directory")
        if not os.access(video.parent, os.W_OK):
            raise InputError("output", f"{video.parent} is not writable")
        if self.cache_dir:
            self.cache_dir.mkdir(parents=True, exist_ok=True)

    def part(self, key: str) -> Path:
        """The temporary name output `key` is written under until the commit."""
        path = self.outputs[key]
        return path.with_name(path.name + ".part")

    def cached(self, name: str, make: Callable[[], Any]) -> Any:
        """A stage's output: kept from an earlier attempt, or made now (and kept)."""
        kept = self.cache_dir / f"{name}.pkl" if self.cache_dir else None
        if kept and kept.exists():
            return pickle.loads(kept.read_bytes())
        value = make()
        if kept:
            tmp = kept.with_name(kept.name + ".tmp")
            tmp.write_bytes(pickle.dumps(value, protocol=5))
            os.replace(tmp, kept)
        return value

    def has(self, name: str) -> bool:
        return bool(self.cache_dir and (self.cache_dir / f"{name}.pkl").exists())

    def cached_video(self, make: Callable[[Path], Path]) -> Path:
        """The encoded film: kept from an earlier attempt, or made now at a temporary name."""
        if self.cache_dir:
            kept = self.cache_dir / "film.mp4"
            if not kept.exists():
                os.replace(make(self.part("video")), kept)
            return kept
        return make(self.part("video"))

    @contextmanager
    def committing(self) -> Iterator[None]:
        """Everything written in the block moves into place at its end; nothing on failure."""
        try:
            yield
            self._commit()
        except BaseException:
            for key in self.outputs:
                self.part(key).unlink(missing_ok=True)
            raise

    def _commit(self) -> None:
        for key in self.outputs:
            if key != "video":
                os.replace(self.part(key), self.outputs[key])
        kept = self.cache_dir / "film.mp4" if self.cache_dir else None
        if kept:  # the kept copy stays for a resumed job
            shutil.copyfile(kept, self.part("video"))
        os.replace(self.part("video"), self.outputs["video"])


def cache_key(request: FilmRequest) -> str:
    """What the film depends on: the request, with files by content rather than by path (a
    retried job downloads its assets to a new place)."""
    digest = hashlib.sha256()
    music_file = isinstance(request.music, Path)
    digest.update(request.model_dump_json(exclude={"images", "music"}).encode())
    digest.update(str("file" if music_file else request.music).encode())
    looks = [*request.character_sheets.values(), *request.character_portraits.values()]
    looks = [path for path in looks if Path(path).is_file()]  # a missing one is refused later
    for path in [*request.images, *([request.music] if music_file else []), *looks]:
        digest.update(Path(path).name.encode())  # plans and notes name pictures by file name
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()[:16]
