"""Where the studio's models live on disk, and how an engine gets a device for them.

A model directory holds one sub-directory per engine, each something `from_pretrained` reads::

    MODELS/
      llm/                a causal LM (config.json, tokenizer, *.safetensors)
      sdxl/               a diffusers StableDiffusionXLPipeline (model_index.json, unet/, vae/, ...)
        lora/             optional: one LoRA (*.safetensors) fused into the UNet at load
        ip_adapter/       optional: an IP-Adapter (*.safetensors) and its image_encoder/
      svd/                a diffusers StableVideoDiffusionPipeline (model_index.json, ...)
      tts/<language>/     one VITS / MMS-TTS model per language ("en", "de", ...)
      musicgen/           a MusicgenForConditionalGeneration with its tokenizer
      lipsync/            unet/, vae/ and whisper/ of a MuseTalk-style lip-sync model (lipsync.py)
      animatediff/        motion_adapter/ (a MotionAdapter) and base/ (the SD 1.5 pipeline it fits)

Each engine directory may also hold a `studio.json` of defaults for that model (steps, guidance,
frames...): an SDXL-Turbo directory wants 4 steps and no guidance, the tiny test models want 2.

Nothing is ever fetched from a hub: the offline flags are set before the libraries load, and
every `from_pretrained` gets a local path with `local_files_only=True`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENGINES = ("llm", "sdxl", "svd", "tts", "musicgen", "lipsync", "animatediff")
# Each engine's Ray Serve deployment name: serving names them so, bulk renders find them by it.
DEPLOYMENT_NAMES = {
    "llm": "LLM",
    "sdxl": "SDXL",
    "svd": "SVD",
    "tts": "TTS",
    "musicgen": "MusicGen",
    "lipsync": "LipSync",
    "animatediff": "AnimateDiff",
}
OPTIONS_FILE = "studio.json"

_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def go_offline() -> None:
    """Forbid every hub access for this process (read by huggingface_hub at import time)."""
    for name, value in _OFFLINE.items():
        os.environ[name] = value
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


go_offline()


def engine_dir(models_dir: Path, engine: str) -> Path:
    """The directory one engine loads from: `MODELS/<engine>`."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; engines are {', '.join(ENGINES)}")
    return Path(models_dir) / engine


def read_options(path: Path) -> dict[str, Any]:
    """The model's own defaults from `studio.json` in its directory ({} when there is none)."""
    file = Path(path) / OPTIONS_FILE
    return json.loads(file.read_text()) if file.is_file() else {}


def choose_device(device: str | None = None) -> str:
    """The device to load on: the one asked for, else CUDA when this process sees a GPU, else CPU.

    Ray Serve sets CUDA_VISIBLE_DEVICES per replica, so a replica given `num_gpus: 0` sees none
    and loads on the CPU even on a GPU node.
    """
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def torch_dtype(device: str):
    """Half precision on a GPU (bf16 where the card has it: random or fp16-unsafe VAEs stay finite),
    float32 on a CPU."""
    import torch

    if not device.startswith("cuda"):
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def cap_gpu_memory(device: str, share: float | None) -> None:
    """Hold this process to its share of the GPU's memory.

    A fractional `num_gpus` only books capacity in Ray: nothing stops a 0.25-GPU replica from
    filling the whole card and starving the three beside it. Past its share, torch raises an
    out-of-memory error in this process instead.
    """
    if not share or not device.startswith("cuda"):
        return
    import torch

    index = torch.device(device).index
    # torch wants a device with an index ("cuda" alone is refused).
    torch.cuda.set_per_process_memory_fraction(
        min(float(share), 1.0), torch.cuda.current_device() if index is None else index
    )


def prepare(device: str | None, memory_share: float | None) -> str:
    """Choose the device and cap its memory: the first two lines of every engine's `load`."""
    go_offline()
    device = choose_device(device)
    cap_gpu_memory(device, memory_share)
    return device


def check_device(device: str) -> None:
    """Raise if the device can no longer run work (a health check for long-lived replicas).

    After an illegal memory access a CUDA context is dead for good and every later call fails;
    a tiny kernel surfaces that error so Serve replaces the replica. It runs on a stream of its
    own (PyTorch's pool streams do not wait for the default stream), so a check made during a
    long generation answers at once instead of waiting for the generation to finish.
    """
    if device.startswith("cuda"):
        import torch

        stream = torch.cuda.Stream(torch.device(device))
        with torch.cuda.stream(stream):
            torch.ones(1, device=device).add_(1)
        stream.synchronize()


def load_diffusers(
    pipeline: str,
    path: Path,
    device: str | None,
    memory_share: float | None,
    adapt: Callable[[Any], None] | None = None,
) -> tuple[Any, str]:
    """A diffusers pipeline (`pipeline` names its class) from `path` on `device`, offline and
    quiet; `adapt(pipe)` runs before it moves to the device (LoRA, VAE slicing)."""
    import diffusers
    from diffusers.utils import logging

    logging.disable_progress_bar()
    device = prepare(device, memory_share)
    pipe = getattr(diffusers, pipeline).from_pretrained(
        path, dtype=torch_dtype(device), local_files_only=True, use_safetensors=True
    )
    if adapt is not None:
        adapt(pipe)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe, device


def translation_dir(models_dir: Path, source: str, target: str) -> Path:
    """Where one translation pair's model lives: `MODELS/translate/<source>-<target>/` (a
    MarianMT / OPUS-MT directory, or any seq2seq model `AutoModelForSeq2SeqLM` reads)."""
    return Path(models_dir) / "translate" / f"{source}-{target}"


def load_seq2seq(
    path: Path, device: str | None = None, memory_share: float | None = None
) -> tuple[Any, Any, str]:
    """(model, tokenizer, device) for a seq2seq model in `path`, offline, in eval mode."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    device = prepare(device, memory_share)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForSeq2SeqLM.from_pretrained(
        path, dtype=torch_dtype(device), local_files_only=True
    )
    return model.to(device).eval(), tokenizer, device


def asr_dir(models_dir: Path) -> Path:
    """Where the speech recogniser lives: `MODELS/asr/` (a Whisper checkpoint with its
    processor: feature extractor and tokenizer)."""
    return Path(models_dir) / "asr"


def load_whisper(
    path: Path, device: str | None = None, memory_share: float | None = None
) -> tuple[Any, Any, str]:
    """(model, processor, device) for the Whisper model in `path`, offline, in eval mode."""
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    device = prepare(device, memory_share)
    processor = WhisperProcessor.from_pretrained(path, local_files_only=True)
    model = WhisperForConditionalGeneration.from_pretrained(
        path, dtype=torch_dtype(device), local_files_only=True
    )
    return model.to(device).eval(), processor, device
