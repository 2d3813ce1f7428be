"""The LLM: what each shot looks like, as a visual prompt and a camera note.

    engine = LLMEngine.load(models_dir / "llm")
    plan = engine.plan(script, fallback=analyze(script))

The script's structure (scenes, shots, lines) comes from the rule-based analysis, which is
exact; the LLM adds what rules cannot: a visual prompt for the image model and a camera/mood
note per shot, and the film's mood. It answers in JSON that pydantic validates; any chunk of
shots whose answer is not valid keeps prompts derived from the shots' own text, so a bad
answer costs quality, never the film.

Three backends share one `generate(prompts) -> texts` interface: vLLM where it is installed and a
GPU is visible (the `gpu` extra), transformers otherwise, and any OpenAI-compatible chat API when
settings name one (llm_api.py; it serves the draft tier too).
"""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from pipelines.engines.loader import check_device, prepare, read_options, torch_dtype
from pipelines.plan import MOODS, Plan, Scene, Shot

log = logging.getLogger(__name__)

STYLE = "cinematic film still, natural light, detailed, 35mm"


class ShotNote(BaseModel):
    shot: int
    prompt: str = Field(min_length=3, max_length=800)
    camera: str = Field(default="", max_length=200)


class ShotNotes(BaseModel):
    """The JSON the LLM must answer with, for one chunk of shots."""

    mood: Literal[MOODS] | None = None  # type: ignore[valid-type]
    shots: list[ShotNote]


INSTRUCTIONS = """You help a film director. For each numbered shot below, write a visual prompt \
for an image model (subject, setting, lighting, style; at most 60 words) and a short camera and \
mood note. Also choose the film's mood, one of: {moods}.
Answer with JSON only, in exactly this shape:
{{"mood": "calm", "shots": [{{"shot": 1, "prompt": "...", "camera": "..."}}]}}
with one entry per shot, numbered as below.

Film: {title}
{context}Shots:
{shots}
"""


# -- backends -------------------------------------------------------------------------------


class TransformersLLM:
    """Any causal LM `AutoModelForCausalLM` reads; greedy decoding, prompts as one batch."""

    def __init__(self, model, tokenizer, device: str):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device

    @classmethod
    def load(cls, path: Path, device: str) -> TransformersLLM:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, padding_side="left")
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(
            path, dtype=torch_dtype(device), local_files_only=True
        )
        return cls(model.to(device).eval(), tokenizer, device)

    def generate(
        self, prompts: list[str], max_new_tokens: int, *, constrained: bool = True
    ) -> list[str]:
        """`constrained` is vLLM's (JSON-shaped output); greedy decoding here is never bound."""
        import torch

        texts = [_chat(self.tokenizer, p) for p in prompts]
        inputs = self.tokenizer(texts, padding=True, return_tensors="pt").to(self.device)
        with torch.inference_mode():
            out = self.model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        return self.tokenizer.batch_decode(
            out[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True
        )


class VLLMEngine:
    """vLLM's offline engine (continuous batching, paged KV cache) with JSON-constrained output."""

    def __init__(self, llm, device: str):
        self.llm = llm
        self.device = device

    @classmethod
    def load(
        cls, path: Path, memory_share: float | None, max_model_len: int | None = None
    ) -> VLLMEngine:
        from vllm import LLM  # the `gpu` extra: imported only here

        llm = LLM(
            model=str(path),
            tokenizer=str(path),
            gpu_memory_utilization=memory_share or 0.9,
            max_model_len=max_model_len,
            seed=0,
        )
        return cls(llm, "cuda")

    def generate(
        self, prompts: list[str], max_new_tokens: int, *, constrained: bool = True
    ) -> list[str]:
        """Answers in the shot notes' JSON shape, or free text with `constrained=False`."""
        tokenizer = self.llm.get_tokenizer()
        schema = ShotNotes.model_json_schema() if constrained else None
        params = _vllm_sampling(max_new_tokens, schema)
        outputs = self.llm.generate([_chat(tokenizer, p) for p in prompts], params, use_tqdm=False)
        return [o.outputs[0].text for o in outputs]


def _vllm_sampling(max_tokens: int, schema: dict | None):
    """Greedy sampling constrained to the JSON schema, with whichever API this vLLM has."""
    from vllm import SamplingParams

    if schema is None:
        return SamplingParams(temperature=0, max_tokens=max_tokens)

    try:  # vLLM >= 0.10.2
        from vllm.sampling_params import StructuredOutputsParams

        return SamplingParams(
            temperature=0,
            max_tokens=max_tokens,
            structured_outputs=StructuredOutputsParams(json=schema),
        )
    except (ImportError, TypeError):
        pass
    try:  # older vLLM
        from vllm.sampling_params import GuidedDecodingParams

        return SamplingParams(
            temperature=0, max_tokens=max_tokens, guided_decoding=GuidedDecodingParams(json=schema)
        )
    except (ImportError, TypeError):
        return SamplingParams(temperature=0, max_tokens=max_tokens)


def _chat(tokenizer, prompt: str) -> str:
    """The prompt in the model's chat format when it has one (instruct models), else as is."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
    return prompt


def vllm_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("vllm") is not None


# -- the engine -----------------------------------------------------------------------------


class LLMEngine:
    """Script → shot list with visual prompts and camera notes."""

    def __init__(
        self,
        backend,
        *,
        max_new_tokens: int = 1600,
        shots_per_request: int = 12,
        context_chars: int = 2000,
        **_backend_options,
    ):
        self.backend = backend
        self.device = backend.device
        self.max_new_tokens = max_new_tokens
        self.shots_per_request = shots_per_request
        self.context_chars = context_chars

    @classmethod
    def load(
        cls, path: Path, device: str | None = None, *, memory_share: float | None = None
    ) -> LLMEngine:
        """vLLM when installed and on a GPU, transformers otherwise."""
        device = prepare(device, None if vllm_available() else memory_share)
        options = read_options(path)
        if device.startswith("cuda") and vllm_available():
            backend = VLLMEngine.load(path, memory_share, options.get("max_model_len"))
        else:
            backend = TransformersLLM.load(path, device)
        return cls(backend, **options)

    def write(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        """Free-text answers to other stages' prompts (translation), one per prompt, unconstrained
        (the planner's answers are JSON-shaped)."""
        return self.backend.generate(prompts, max_new_tokens, constrained=False)

    def plan(self, script: str, fallback: Plan) -> Plan:
        """`fallback` with every shot's prompt and camera filled in: the LLM's where its answer
        is valid, derived from the shot's own text where not."""
        return self.plan_many([script], [fallback])[0]

    def plan_many(self, scripts: list[str], fallbacks: list[Plan]) -> list[Plan]:
        """`plan` for several films in one `generate` call (vLLM batches them on the GPU)."""
        plans = [with_derived_prompts(fallback) for fallback in fallbacks]
        work = []  # (plan, a chunk of its (scene, shot) pairs, first chunk?, script opening for it)
        for plan, script in zip(plans, scripts):
            located = [(scene, shot) for scene in plan.scenes for shot in scene.shots]
            for i in range(0, len(located), self.shots_per_request):
                work.append(
                    (
                        plan,
                        located[i : i + self.shots_per_request],
                        i == 0,
                        script if i == 0 else "",
                    )
                )
        if not work:
            return plans
        answers = self.backend.generate(
            [self.prompt(p, chunk, script) for p, chunk, _, script in work], self.max_new_tokens
        )
        for (plan, chunk, first, _), answer in zip(work, answers):
            notes = parse_notes(answer, len(chunk))
            if notes is None:
                if answer:  # an empty answer's backend has said why
                    log.warning(
                        "the LLM's answer for %d shots is not the JSON asked for; they keep "
                        "prompts derived from the script",
                        len(chunk),
                    )
                continue
            for (_, shot), note in zip(chunk, notes.shots):
                shot.prompt, shot.camera = note.prompt.strip(), note.camera.strip() or None
            if first and notes.mood:
                plan.mood = notes.mood
        return plans

    def prompt(self, plan: Plan, chunk: list[tuple[Scene, Shot]], script: str) -> str:
        shots = "\n".join(
            f"{n}. {_shot_text(scene, shot)}" for n, (scene, shot) in enumerate(chunk, 1)
        )
        context = f"Script opening:\n{script[: self.context_chars]}\n\n" if script else ""
        return INSTRUCTIONS.format(
            moods=", ".join(MOODS), title=plan.title, context=context, shots=shots
        )

    def check_health(self) -> None:
        check_device(self.device)


def parse_notes(answer: str, count: int) -> ShotNotes | None:
    """The answer's JSON object validated, with shots numbered 1..count; None when it is not."""
    start, end = answer.find("{"), answer.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        notes = ShotNotes.model_validate_json(answer[start : end + 1])
    except (ValidationError, ValueError):
        return None
    if [note.shot for note in notes.shots] != list(range(1, count + 1)):
        return None
    return notes


def with_derived_prompts(plan: Plan) -> Plan:
    """A copy of `plan` where each shot without a prompt gets one made from its own text."""
    plan = copy.deepcopy(plan)
    for scene in plan.scenes:
        for shot in scene.shots:
            shot.prompt = shot.prompt or derive_prompt(scene, shot)
    return plan


def derive_prompt(scene: Scene, shot: Shot) -> str:
    """A visual prompt from the shot's description and its scene heading, no model needed."""
    text = shot.description.strip().rstrip(".")
    if not text and shot.lines:
        speakers = sorted({line.speaker.title() for line in shot.lines})
        text = f"{' and '.join(speakers)} talking"
    setting = _setting(scene.heading)
    parts = [p for p in (text, setting, STYLE) if p]
    return re.sub(r"\s+", " ", ", ".join(parts))[:800]


_PLACES = {
    "INT": "interior",
    "EXT": "exterior",
    "INT/EXT": "interior and exterior",
    "I/E": "interior and exterior",
    "EST": "establishing shot",
}


def _setting(heading: str | None) -> str:
    """'INT. LIGHTHOUSE - NIGHT' → 'interior, lighthouse, night'."""
    if not heading:
        return ""
    words = []
    match = re.match(r"^(INT\.?/EXT|I/E|INT|EXT|EST)\.?\s+(.*)$", heading.strip(), re.IGNORECASE)
    if match:
        words.append(_PLACES[match.group(1).upper().replace(".", "")])
        heading = match.group(2)
    words += [part.strip().lower() for part in heading.split(" - ") if part.strip()]
    return ", ".join(words)


def _shot_text(scene: Scene, shot: Shot) -> str:
    """One shot on one line, for the prompt: heading, description, its first few lines."""
    where = f"[{scene.heading}] " if scene.heading else ""
    said = " ".join(f'{line.speaker.title()}: "{line.text}"' for line in shot.lines[:3])
    return " ".join(f"{where}{shot.description} {said}".split())
