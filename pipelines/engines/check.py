"""`filmstudio models check DIR`: which engines a model directory can serve, and what is missing.

Only files are inspected (configs, tokenizers, weights): nothing is loaded, so the check takes
milliseconds and needs neither torch nor a GPU. The layout is described in `loader.py`.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.engines.loader import ENGINES

WEIGHTS = ("*.safetensors", "*.bin", "*.safetensors.index.json", "*.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "spiece.model", "vocab.json")

WHAT = {
    "llm": "a causal LM with its tokenizer",
    "sdxl": "a diffusers StableDiffusionXLPipeline",
    "svd": "a diffusers StableVideoDiffusionPipeline",
    "tts": "a VITS / MMS-TTS model per language",
    "musicgen": "a MusicgenForConditionalGeneration with its tokenizer",
    "lipsync": "unet/, vae/ and whisper/ of a MuseTalk-style lip-sync model",
    "animatediff": "motion_adapter/ (a MotionAdapter) and base/ (its SD 1.5 pipeline)",
}


@dataclass
class EngineStatus:
    """What a model directory offers one engine."""

    engine: str
    path: Path
    ready: bool
    missing: list[str] = field(default_factory=list)  # what stops it, relative to the models dir
    notes: list[str] = field(default_factory=list)  # what it will use: languages, backend, LoRA

    def line(self) -> str:
        """One line for a terminal: `sdxl: ready (LoRA: sdxl/lora)`, `svd: missing svd/ (...)`."""
        if self.ready:
            return f"{self.engine}: ready" + (f" ({'; '.join(self.notes)})" if self.notes else "")
        return f"{self.engine}: missing {', '.join(self.missing)}"


def check_models_dir(models_dir: Path) -> list[EngineStatus]:
    """One status per engine, in ENGINES order."""
    models_dir = Path(models_dir)
    checks = {
        "llm": _llm,
        "sdxl": _sdxl,
        "svd": _svd,
        "tts": _tts,
        "musicgen": _musicgen,
        "lipsync": _lipsync,
        "animatediff": _animatediff,
    }
    statuses = []
    for engine in ENGINES:
        path = models_dir / engine
        if not path.is_dir():
            missing, notes = [f"{engine}/ ({WHAT[engine]})"], []
        else:
            missing, notes = checks[engine](path)
        statuses.append(EngineStatus(engine, path, not missing, missing, notes))
    return statuses


# -- one check per engine: (missing, notes) ---------------------------------------------------


def _llm(path: Path) -> tuple[list[str], list[str]]:
    missing = _model_files(path, "llm") + _tokenizer_files(path, "llm")
    backend = "vLLM" if _installed("vllm") else "transformers (vLLM not installed)"
    return missing, [f"{_architecture(path)}, {backend}"]


def _sdxl(path: Path) -> tuple[list[str], list[str]]:
    missing = _pipeline_files(path, "sdxl", "StableDiffusionXLPipeline")
    notes = []
    lora = path / "lora"
    if lora.is_dir():
        if not any(lora.glob("*.safetensors")):
            missing.append("sdxl/lora/*.safetensors (the LoRA directory is empty)")
        elif not _installed("peft"):
            missing.append("the peft package (pip install peft), needed for sdxl/lora/")
        notes.append("LoRA: sdxl/lora")
    notes += _ip_adapter(path / "ip_adapter", "sdxl/ip_adapter")
    controlnets = path.parent / "controlnet"
    kinds = (
        sorted(p.name for p in controlnets.iterdir() if p.is_dir()) if controlnets.is_dir() else []
    )
    for kind in kinds:
        lacking = _model_files(controlnets / kind, f"controlnet/{kind}")
        if lacking:
            notes.append(f"ControlNet {kind} skipped: {', '.join(lacking)}")
        else:
            notes.append(f"ControlNet: {kind}")
    return missing, notes


def _svd(path: Path) -> tuple[list[str], list[str]]:
    return _pipeline_files(path, "svd", "StableVideoDiffusionPipeline"), []


def _tts(path: Path) -> tuple[list[str], list[str]]:
    languages, missing = [], []
    for voice in sorted(p for p in path.iterdir() if p.is_dir()):
        where = f"tts/{voice.name}"
        lacking = _model_files(voice, where) + _file(voice, "vocab.json", where)
        config = _tokenizer_config(voice)
        if config.get("phonemize") and not _installed("phonemizer"):
            lacking.append(f"the phonemizer package, needed by {where}")
        if lacking:
            missing += lacking
        else:
            languages.append(voice.name)
    if not languages:
        return missing or [f"tts/<language>/ ({WHAT['tts']})"], []
    notes = [f"languages: {', '.join(languages)}"]
    if missing:  # some languages are fine: the engine serves those, espeak-ng the rest
        notes.append(f"skipped: {', '.join(missing)}")
    return [], notes


def _musicgen(path: Path) -> tuple[list[str], list[str]]:
    missing = _model_files(path, "musicgen") + _tokenizer_files(path, "musicgen")
    config = _json(path / "config.json")
    if config and config.get("model_type") != "musicgen":
        missing.append(
            f"musicgen/config.json of a musicgen model (found {config.get('model_type')!r})"
        )
    return missing, []


def _lipsync(path: Path) -> tuple[list[str], list[str]]:
    missing = _model_files(path / "unet", "lipsync/unet") + _model_files(
        path / "vae", "lipsync/vae"
    )
    missing += _model_files(path / "whisper", "lipsync/whisper")
    missing += _file(path / "whisper", "preprocessor_config.json", "lipsync/whisper")
    return missing, []


def _animatediff(path: Path) -> tuple[list[str], list[str]]:
    missing = _model_files(path / "motion_adapter", "animatediff/motion_adapter")
    missing += _pipeline_files(path / "base", "animatediff/base", "StableDiffusionPipeline")
    return missing, _ip_adapter(path / "ip_adapter", "animatediff/ip_adapter")


def _ip_adapter(adapter: Path, where: str) -> list[str]:
    """A note on an optional IP-Adapter directory: used, or skipped for what it lacks."""
    if not adapter.is_dir():
        return []
    lacking = [] if any(adapter.glob("*.safetensors")) else [f"{where}/*.safetensors"]
    lacking += _model_files(adapter / "image_encoder", f"{where}/image_encoder")
    return [f"IP-Adapter skipped: {', '.join(lacking)}" if lacking else f"IP-Adapter: {where}"]


# -- files ------------------------------------------------------------------------------------


def _pipeline_files(path: Path, where: str, pipeline: str) -> list[str]:
    """A diffusers pipeline: model_index.json naming `pipeline`, and every component it lists."""
    index = _json(path / "model_index.json")
    if index is None:
        return [f"{where}/model_index.json ({pipeline})"]
    if index.get("_class_name") != pipeline:
        return [f"{where}/model_index.json of a {pipeline} (found {index.get('_class_name')!r})"]
    missing = []
    for name, spec in index.items():
        if name.startswith("_") or not isinstance(spec, list) or spec[0] is None:
            continue
        component, inside = path / name, f"{where}/{name}"
        if name.startswith("scheduler"):
            missing += _file(component, "scheduler_config.json", inside)
        elif name.startswith("tokenizer"):
            missing += _tokenizer_files(component, inside)
        elif name.startswith("feature_extractor"):
            missing += _file(component, "preprocessor_config.json", inside)
        else:
            missing += _model_files(component, inside)
    return missing


def _file(path: Path, name: str, where: str) -> list[str]:
    return [] if (path / name).is_file() else [f"{where}/{name}"]


def _model_files(path: Path, where: str) -> list[str]:
    missing = _file(path, "config.json", where)
    if not any(next(path.glob(pattern), None) for pattern in WEIGHTS):
        missing.append(f"{where}/ weights (*.safetensors)")
    return missing


def _tokenizer_files(path: Path, where: str) -> list[str]:
    if any((path / name).is_file() for name in TOKENIZER_FILES):
        return []
    return [f"{where}/ tokenizer ({' or '.join(TOKENIZER_FILES)})"]


def _architecture(path: Path) -> str:
    config = _json(path / "config.json") or {}
    return ", ".join(config.get("architectures") or [config.get("model_type", "unknown model")])


def _tokenizer_config(path: Path) -> dict:
    return _json(path / "tokenizer_config.json") or {}


def _json(file: Path) -> dict | None:
    try:
        return json.loads(file.read_text())
    except (OSError, ValueError):
        return None


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None
