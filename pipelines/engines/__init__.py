"""The studio tier's models, as the film pipeline calls them.

    engines = StudioEngines.local(Path("/models"))        # in this process (CLI --tier studio)
    engines = StudioEngines.from_handles(handles)         # through Ray Serve deployments

    plan     = engines.plan(script, fallback=analyze(script))
    pictures = engines.pictures([shot.prompt for shot in plan.shots], (1280, 720), seed=7)
    frames   = engines.clip(pictures[0], 14, (1280, 720), seed=7)    # SVD: the still moves
    frames   = engines.clip(pictures[0], 16, (1280, 720), seed=7,
                            prompt="waves at dusk", motion="animatediff")  # from the prompt
    speech   = engines.speak("Who is there?", "en", speaker=1)
    bed      = engines.music("calm film score", duration_s=60.0)
    talking  = engines.lipsync(face, speech, 48000, fps=24)     # a portrait's mouth, per frame

Both ways give the same results for the same inputs. A model the directory lacks (or a
deployment the app lacks) is not an error: its method returns the empty answer (`[]`, `None`)
and the pipeline takes the draft path for that stage. Each engine also works alone, e.g.
`SDXLEngine.load(path)`; see the modules beside this one.
"""

from __future__ import annotations

import importlib
import logging
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipelines.engines.check import EngineStatus, check_models_dir
from pipelines.engines.ip_adapter import to_png
from pipelines.engines.loader import DEPLOYMENT_NAMES, ENGINES, asr_dir, engine_dir
from pipelines.plan import Plan

if TYPE_CHECKING:
    from PIL import Image
    from ray.serve.handle import DeploymentHandle

__all__ = [
    "DEPLOYMENT_NAMES",
    "ENGINES",
    "DraftEngines",
    "EngineStatus",
    "StudioEngines",
    "engines_for",
    "check_models_dir",
    "engine_class",
]

log = logging.getLogger(__name__)

PICTURE_BATCH = (
    4  # SDXL pictures per pipeline call in this process (the Serve deployment's max too)
)
LINE_BATCH = 16  # TTS lines per model call
MOTION_ENGINES = ("svd", "animatediff")  # `FilmOptions.motion` values that are clip engines


ENGINE_CLASSES = {
    "llm": "pipelines.engines.llm:LLMEngine",
    "sdxl": "pipelines.engines.sdxl:SDXLEngine",
    "svd": "pipelines.engines.svd:SVDEngine",
    "tts": "pipelines.engines.tts:TTSEngine",
    "musicgen": "pipelines.engines.musicgen:MusicGenEngine",
    "lipsync": "pipelines.engines.lipsync:LipSyncEngine",
    "animatediff": "pipelines.engines.animatediff:AnimateDiffEngine",
}


def engine_class(name: str) -> type:
    """The engine class for one name in ENGINES, imported on demand (torch loads only then)."""
    if name not in ENGINE_CLASSES:
        raise ValueError(f"unknown engine {name!r}; engines are {', '.join(ENGINES)}")
    module, cls = ENGINE_CLASSES[name].split(":")
    return getattr(importlib.import_module(module), cls)


class StudioEngines:
    """LLM, SDXL, SVD, TTS and MusicGen behind one small interface."""

    def __init__(
        self,
        *,
        models_dir: Path | None = None,
        ready: set[str] = frozenset(),
        handles: dict[str, DeploymentHandle] | None = None,
    ):
        self.models_dir = models_dir
        self.handles = handles
        self._ready = set(ready)
        self._engines: dict[str, Any] = {}
        self._loading = threading.Lock()

    def __getstate__(self) -> dict:
        """Pickled for a Ray task: handles travel, local engines reload lazily over there."""
        return {"models_dir": self.models_dir, "ready": self._ready, "handles": self.handles}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    @classmethod
    def local(cls, models_dir: Path) -> StudioEngines:
        """Engines in this process, each loaded on first use from `models_dir`.

        An engine the directory cannot serve is left out with a warning; its stage takes the
        draft path."""
        models_dir = Path(models_dir)
        statuses = check_models_dir(models_dir)
        for status in statuses:
            if not status.ready:
                warnings.warn(
                    f"studio tier: {status.line()}; the {status.engine} stage takes the draft path",
                    stacklevel=2,
                )
        return cls(models_dir=models_dir, ready={s.engine for s in statuses if s.ready})

    @classmethod
    def from_handles(cls, handles: dict[str, DeploymentHandle]) -> StudioEngines:
        """The same methods through Ray Serve deployment handles, keyed by engine name."""
        return cls(handles=dict(handles), ready=set(handles) & set(ENGINES))

    def available(self) -> dict[str, bool]:
        """Which engines this instance can use."""
        return {name: name in self._ready for name in ENGINES}

    @property
    def animates(self) -> bool:
        """Whether `clip` can turn a still into moving frames."""
        return "svd" in self._ready

    @property
    def syncs_lips(self) -> bool:
        """Whether `lipsync` can animate a portrait's face."""
        return "lipsync" in self._ready

    def moves(self, motion: str) -> bool:
        """Whether `clip` can make clips with `motion` ("svd" or "animatediff"; "kenburns" is
        the frame stage's own camera, never a clip)."""
        return motion in MOTION_ENGINES and motion in self._ready

    # -- the stages -----------------------------------------------------------------------

    def plan(self, script: str, fallback: Plan) -> Plan:
        """The shot list with `Shot.prompt` / `Shot.camera` written by the LLM.

        Where the LLM's JSON is invalid, or there is no LLM, or it fails, the shots keep
        `fallback`'s structure with prompts derived from their descriptions."""
        from pipelines.engines.llm import with_derived_prompts
        from pipelines.engines.llm_api import api_engine

        remote = api_engine()  # a configured chat API comes before any local model
        if remote is not None:
            return remote.plan(script, fallback)
        if "llm" not in self._ready:
            return with_derived_prompts(fallback)
        try:
            if self.handles is not None:
                return self.handles["llm"].plan.remote(script, fallback).result()
            return self._engine("llm").plan(script, fallback)
        except Exception as exc:  # a plan without the LLM's prompts is still a film
            log.warning("LLM planning failed (%s); using prompts derived from the script", exc)
            return with_derived_prompts(fallback)

    def takes_references(self, engine: str = "sdxl") -> bool:
        """Whether `engine` ("sdxl": `pictures`; "animatediff": `clips`) can take a character's
        look from a reference picture: an IP-Adapter in its model directory (or deployment's)."""
        if engine not in self._ready:
            return False
        if self.handles is not None:
            return bool(self.handles[engine].has_ip_adapter.remote().result())
        (status,) = [s for s in check_models_dir(self.models_dir) if s.engine == engine]
        return any(note.startswith("IP-Adapter:") for note in status.notes)

    def pictures(
        self,
        prompts: list[str],
        size: tuple[int, int],
        seed: int | list[int],
        *,
        references: list[Image.Image | None] | None = None,
    ) -> list[Image.Image]:
        """One SDXL picture per prompt, exactly `size` (width, height); prompt i is seeded
        `seed + i` (or `seed[i]`) and, with `references[i]`, takes that picture's look (a
        character's, through the IP-Adapter). [] without SDXL."""
        if "sdxl" not in self._ready or not prompts:
            return []
        seeds = seed if isinstance(seed, list) else [seed + i for i in range(len(prompts))]
        refs = references or [None] * len(prompts)
        if self.handles is not None:  # one request per prompt: the deployment batches them
            sdxl = self.handles["sdxl"]
            return _gather(
                [
                    sdxl.generate.remote(p, tuple(size), s, to_png(r))
                    for p, s, r in zip(prompts, seeds, refs)
                ]
            )
        sdxl, out = self._engine("sdxl"), [None] * len(prompts)
        sharing: dict[int, list[int]] = {}  # the prompts that share a reference: one call
        for i, reference in enumerate(refs):
            sharing.setdefault(id(reference), []).append(i)
        for group in sharing.values():
            for batch in batches(group, PICTURE_BATCH):
                drawn = sdxl(
                    [prompts[i] for i in batch],
                    tuple(size),
                    [seeds[i] for i in batch],
                    reference=refs[batch[0]],
                )
                for i, picture in zip(batch, drawn):
                    out[i] = picture
        return out

    def clip(
        self,
        image: Image.Image,
        num_frames: int,
        size: tuple[int, int],
        seed: int,
        *,
        prompt: str = "",
        motion: str = "svd",
        reference: Image.Image | None = None,
    ) -> list[np.ndarray]:
        """`num_frames` H×W×3 uint8 frames of `size` for one shot: SVD animates `image`,
        AnimateDiff draws the shot's `prompt` as a clip (taking `reference`'s look through its
        IP-Adapter). [] without that engine."""
        return self.clips(
            [image], num_frames, size, seed, prompts=[prompt], motion=motion, references=[reference]
        )[0]

    def clips(
        self,
        images: list[Image.Image],
        num_frames: int,
        size: tuple[int, int],
        seed: int,
        *,
        prompts: list[str] | None = None,
        motion: str = "svd",
        references: list[Image.Image | None] | None = None,
    ) -> list[list[np.ndarray]]:
        """`clip` for many shots at once (shot i seeded `seed + i`): through Serve they run
        in parallel on every replica of the motion engine."""
        if not self.moves(motion):
            return [[] for _ in images]
        size = tuple(size)
        if motion == "svd":  # SVD moves the still (which already took the reference's look)
            calls = [((image, num_frames, size, seed + i), {}) for i, image in enumerate(images)]
        else:  # AnimateDiff draws the shot's prompt, taking the reference's look
            refs = references or [None] * len(images)
            calls = [
                ((prompt, num_frames, size, seed + i), {"reference": reference})
                for i, (prompt, reference) in enumerate(zip(prompts or [""] * len(images), refs))
            ]
        if self.handles is not None:
            engine = self.handles[motion]
            return _gather(
                [
                    engine.clip.remote(*args, **{k: to_png(v) for k, v in kwargs.items()})
                    for args, kwargs in calls
                ]
            )
        engine = self._engine(motion)
        return [engine(*args, **kwargs) for args, kwargs in calls]

    def speak(self, text: str, language: str, speaker: int) -> np.ndarray | None:
        """Neural speech, float32 mono 48 kHz; None when there is no model for `language`
        (the caller speaks it with espeak-ng)."""
        return self.speak_lines([text], language, [speaker])[0]

    def speak_lines(
        self, texts: list[str], language: str, speakers: list[int]
    ) -> list[np.ndarray | None]:
        """`speak` for many lines at once, in model calls of up to LINE_BATCH lines of one voice:
        one after another locally, all sent at once to Serve (where a request is one such call)."""
        out: list[np.ndarray | None] = [None] * len(texts)
        if "tts" not in self._ready:
            return out
        calls = [
            batch
            for speaker in sorted(set(speakers))
            for batch in batches([i for i, s in enumerate(speakers) if s == speaker], LINE_BATCH)
        ]
        requests = [([texts[i] for i in batch], language, speakers[batch[0]]) for batch in calls]
        if self.handles is not None:
            tts = self.handles["tts"]
            spoken = _gather([tts.speak.remote(*request) for request in requests])
        else:
            tts = self._engine("tts")
            spoken = [tts(*request) for request in requests]
        for batch, audio in zip(calls, spoken):
            for i, line in zip(batch, audio or []):  # None: no model for this language
                out[i] = line
        return out

    def music(self, prompt: str, duration_s: float) -> np.ndarray | None:
        """`duration_s` of MusicGen music, float32 (n, 2) at 48 kHz. None without MusicGen."""
        if "musicgen" not in self._ready:
            return None
        if self.handles is not None:
            return self.handles["musicgen"].generate.remote(prompt, float(duration_s)).result()
        return self._engine("musicgen")(prompt, float(duration_s))

    def lipsync(
        self, face: Image.Image, audio: np.ndarray, sample_rate: int, fps: int
    ) -> list[np.ndarray] | None:
        """`face` talking: one H×W×3 uint8 frame of its size per film frame of `audio`. None
        without a lip-sync model (the characters keep their drawn mouths)."""
        if "lipsync" not in self._ready:
            return None
        if self.handles is not None:
            return self.handles["lipsync"].animate.remote(face, audio, sample_rate, fps).result()
        return self._engine("lipsync")(face, audio, sample_rate, fps)

    def transcribe(self, audio: np.ndarray, language: str) -> list[tuple[float, float, str]] | None:
        """What `audio` (mono float32, 16 kHz) says, as (start s, end s, text) per Whisper window;
        None without a recogniser (`MODELS/asr/`, local engines only)."""
        if self.models_dir is None or not (asr_dir(self.models_dir) / "config.json").is_file():
            return None
        with self._loading:
            if "asr" not in self._engines:
                from pipelines.engines.asr import ASREngine

                log.info("loading the speech recogniser from %s", asr_dir(self.models_dir))
                self._engines["asr"] = ASREngine.load(asr_dir(self.models_dir))
        return self._engines["asr"](audio, language)

    def text_model(self):
        """The LLM's text generator (`generate(prompts, max_new_tokens) -> texts`) for other
        stages to prompt (translation): the local engine, or the Serve deployment through its
        handle; None without an LLM."""
        if "llm" not in self._ready:
            return None
        if self.handles is not None:
            return ServedText(self.handles["llm"])
        return FreeText(self._engine("llm"))

    # -- local engines ----------------------------------------------------------------------

    def _engine(self, name: str):
        """The local engine, loaded on first use (once, even from several threads)."""
        with self._loading:
            if name not in self._engines:
                log.info("loading the %s engine from %s", name, engine_dir(self.models_dir, name))
                self._engines[name] = engine_class(name).load(engine_dir(self.models_dir, name))
            return self._engines[name]

    def release(self, name: str | None = None) -> None:
        """Free a local engine's memory (all of them by default), e.g. between stages on one GPU."""
        with self._loading:
            for key in [name] if name else list(self._engines):
                self._engines.pop(key, None)
        _empty_cuda_cache()


class FreeText:
    """The local LLM engine answering in free text (the planner's answers are JSON-constrained)."""

    def __init__(self, engine):
        self.engine = engine

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        return self.engine.write(prompts, max_new_tokens)


class ServedText:
    """The LLM deployment answering in free text: one request carries all of a caller's prompts
    (the deployment batches concurrent callers into one generate call)."""

    def __init__(self, handle: DeploymentHandle):
        self.handle = handle

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        return self.handle.write.remote(list(prompts), int(max_new_tokens)).result()


class DraftEngines:
    """The draft tier as an engines object: no models, so every method gives the empty answer
    and each stage takes its own draft path (rules, espeak-ng, cards, the generated bed)."""

    animates = False
    syncs_lips = False

    def plan(self, script: str, fallback: Plan) -> Plan:
        """`fallback`, with the LLM's prompts, camera notes and mood when a chat API is
        configured (FILMSTUDIO_LLM_BASE_URL: no GPU needed)."""
        from pipelines.engines.llm_api import api_engine

        remote = api_engine()
        return fallback if remote is None else remote.plan(script, fallback)

    def takes_references(self, engine: str = "sdxl") -> bool:
        return False

    def pictures(self, prompts: list[str], size: tuple[int, int], seed, **_) -> list:
        return []

    def moves(self, motion: str) -> bool:
        return False

    def clip(self, picture, frames: int, size: tuple[int, int], seed: int, **_) -> None:
        return None

    def speak(self, text: str, language: str, speaker: int) -> None:
        return None

    def music(self, prompt: str, duration_s: float) -> None:
        return None

    def lipsync(self, face, audio: np.ndarray, sample_rate: int, fps: int) -> None:
        return None

    def transcribe(self, audio: np.ndarray, language: str) -> None:
        return None

    def text_model(self) -> None:
        return None


def engines_for(tier: str, models_dir: Path | None) -> StudioEngines | DraftEngines:
    """The engines a request's tier renders with: the studio's models from `models_dir`, loaded
    in this process, or the draft tier's."""
    if tier != "studio":
        return DraftEngines()
    if models_dir is None:
        from pipelines.errors import InputError

        raise InputError(
            "models_dir", "the studio tier needs a local model directory (--models DIR)"
        )
    return StudioEngines.local(models_dir)


def batches(items, size: int) -> list[list]:
    """`items` in consecutive lists of at most `size` (model calls, Serve requests)."""
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _gather(responses: list) -> list:
    """Wait for every deployment response (they were all sent first, so they ran concurrently)."""
    return [response.result() for response in responses]


def _empty_cuda_cache() -> None:
    import gc
    import sys

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
