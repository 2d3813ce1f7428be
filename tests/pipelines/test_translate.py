"""Translation backends and translated subtitle tracks, as a user sees them: the files written,
their cue timing and text, and the refusals."""

from __future__ import annotations

import io
import json
import os
import shutil

import pysubs2
import pytest

from pipelines import subtitles, translate
from pipelines.errors import InputError
from pipelines.subtitles import MAX_CHARS, MAX_SECONDS, Cue
from pipelines.translate import TranslationError
from pipelines.translate.apertium import Apertium
from pipelines.translate.llm import LLMTranslator
from pipelines.translate.marian import MarianTranslator
from pipelines.translate.tracks import subtitle_tracks
from pipelines.translate.user import UserTranslation

SOURCE = [
    Cue(0.5, 1.6, "A kettle hums."),
    Cue(2.0, 3.1, "Is anyone there?"),
    Cue(3.4, 4.2, "Only me."),
]
SPANISH = ["Una tetera zumba.", "¿Hay alguien?", "Solo yo."]
SAMPLE_LINES = [
    "The king walked slowly into the old temple.",
    "Where are you going, my friend?",
    "The night is dark and the sea is cold.",
    "We will find the lighthouse before the storm comes to the harbour.",
]


def write_srt(path, cues, texts):
    subtitles.write_srt([Cue(c.start, c.end, t) for c, t in zip(cues, texts)], path)
    return path


# -- the user's own translation ---------------------------------------------------------------


def test_user_srt_gives_a_track_with_the_source_timing(tmp_path):
    theirs = write_srt(tmp_path / "es.srt", SOURCE, SPANISH)
    tracks = subtitle_tracks(["es"], "en", SOURCE, [UserTranslation({"es": theirs})])
    subtitles.write_srt(tracks["es"], tmp_path / "film.es.srt")
    subtitles.write_vtt(tracks["es"], tmp_path / "film.es.vtt")
    ours = pysubs2.load(str(tmp_path / "film.es.srt"))
    assert [e.plaintext for e in ours] == SPANISH
    assert [(e.start, e.end) for e in ours] == [
        (round(c.start * 1000), round(c.end * 1000)) for c in SOURCE
    ]
    assert (tmp_path / "film.es.vtt").read_text().startswith("WEBVTT")


def test_user_srt_with_a_line_missing_is_refused_naming_the_line(tmp_path):
    theirs = write_srt(tmp_path / "es.srt", [SOURCE[0], SOURCE[2]], [SPANISH[0], SPANISH[2]])
    with pytest.raises(InputError) as refused:
        subtitle_tracks(["es"], "en", SOURCE, [UserTranslation({"es": theirs})])
    assert refused.value.field == "translations[es]"
    assert "line 2 'Is anyone there?'" in refused.value.message  # the first that does not match
    assert "2 lines there, 3 here" in refused.value.message


def test_user_script_with_too_many_lines_is_refused(tmp_path):
    script = tmp_path / "es.txt"
    script.write_text("\n".join([*SPANISH, "¿Y el gato?"]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 4 \(none: ours end here\)"):
        UserTranslation({"es": script}).translate([c.text for c in SOURCE], "en", "es")


# -- Apertium -----------------------------------------------------------------------------------


def test_apertium_english_to_spanish(tmp_path):
    apertium = Apertium()
    reason = apertium.unavailable("en", "es")
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI installs apertium-eng-spa (.ci/run): {reason}")
        pytest.skip(f"Apertium English→Spanish: {reason}")
    texts = apertium.translate(SAMPLE_LINES, "en", "es")
    assert len(texts) == len(SAMPLE_LINES)
    assert texts[0].startswith("El rey") and "amigo" in texts[1]
    cues = [Cue(i * 2.0, i * 2.0 + 1.5, line) for i, line in enumerate(SAMPLE_LINES)]
    track = subtitle_tracks(["es"], "en", cues, [apertium])["es"]
    for cue in track:
        rows = cue.text.split("\n")
        assert len(rows) <= 2 and all(len(row) <= MAX_CHARS for row in rows), cue.text
        assert cue.end - cue.start <= MAX_SECONDS
    assert track[0].start == 0.0


# -- MarianMT through the production loader -----------------------------------------------------


def tiny_marian(directory):
    """A random-weight MarianMT with a SentencePiece vocabulary trained here (no hub)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    directory.mkdir(parents=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(SAMPLE_LINES * 25),
        model_writer=model,
        vocab_size=60,
        hard_vocab_limit=False,
        character_coverage=1.0,
        minloglevel=2,
        pad_id=-1,
    )
    for name in ("source.spm", "target.spm"):
        (directory / name).write_bytes(model.getvalue())
    pieces = spm.SentencePieceProcessor(model_proto=model.getvalue())
    vocab = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for i in range(pieces.get_piece_size()):
        vocab.setdefault(pieces.id_to_piece(i), len(vocab))
    (directory / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = MarianTokenizer(
        str(directory / "source.spm"), str(directory / "target.spm"), str(directory / "vocab.json")
    )
    tokenizer.save_pretrained(directory)
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=4,
        decoder_ffn_dim=4,
        max_position_embeddings=100,
        eos_token_id=0,
        pad_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(0)
    MarianMTModel(config).save_pretrained(directory)


def test_tiny_marian_translates_line_for_line(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    models = tmp_path / "models"
    marian = MarianTranslator(models)
    assert "no model in" in marian.unavailable("en", "es")
    tiny_marian(models / "translate" / "en-es")
    assert marian.unavailable("en", "es") is None
    lines = [SAMPLE_LINES[0], "", SAMPLE_LINES[1], SAMPLE_LINES[0]]
    texts = translate.translate(lines, "en", "es", [marian])
    assert len(texts) == 4 and texts[1] == ""  # identity kept: a blank line stays blank
    assert texts[0] == texts[3]  # deterministic: the same line, the same noise
    assert all(isinstance(t, str) for t in texts)


# -- the studio LLM: numbered batches and the validator ----------------------------------------


class ScriptedLLM:
    """Answers from a script, one per prompt, and keeps the prompts it was sent."""

    def __init__(self, *answers):
        self.answers, self.prompts = list(answers), []

    def generate(self, prompts, max_new_tokens):
        self.prompts += prompts
        return [self.answers.pop(0) for _ in prompts]


def test_llm_batch_missing_a_line_is_asked_again():
    llm = ScriptedLLM(
        "1. Una tetera zumba.\n3. Solo yo.", "1. Una tetera zumba.\n2. ¿Hay alguien?\n3. Solo yo."
    )
    texts = LLMTranslator(llm).translate([c.text for c in SOURCE], "en", "es")
    assert texts == SPANISH
    assert len(llm.prompts) == 2 and "2. Is anyone there?" in llm.prompts[1]


def test_llm_batch_that_stays_bad_fails_and_the_next_backend_is_tried(tmp_path):
    llm = ScriptedLLM(*["1. Una tetera zumba.\n2.\n3. Solo yo."] * 3)
    theirs = write_srt(tmp_path / "es.srt", SOURCE, SPANISH)
    with pytest.raises(TranslationError, match="line 2 is blank"):
        LLMTranslator(llm, retries=2).translate([c.text for c in SOURCE], "en", "es")
    llm = ScriptedLLM(*["1. Una tetera zumba.\n3. Solo yo."] * 3)
    texts = translate.translate(
        [c.text for c in SOURCE], "en", "es", [LLMTranslator(llm), UserTranslation({"es": theirs})]
    )
    assert texts == SPANISH


def test_llm_batches_carry_neighbouring_lines_as_context():
    lines = [f"Line number {i}." for i in range(1, 8)]
    answer = lambda numbers: "\n".join(f"{n}. Línea {n}." for n in numbers)  # noqa: E731
    llm = ScriptedLLM(answer(range(1, 4)), answer(range(4, 7)), answer([7]))
    texts = LLMTranslator(llm, batch_size=3, context=2).translate(lines, "en", "es")
    assert texts == [f"Línea {n}." for n in range(1, 8)]
    second = llm.prompts[1]
    assert "context: Line number 2." in second and "context: Line number 3." in second
    assert "4. Line number 4." in second and "context: Line number 7." in second
    assert "1. Line number 1." not in second


# -- no backend ----------------------------------------------------------------------------------


def test_a_language_no_backend_serves_is_refused_naming_the_backends(tmp_path):
    backends = translate.backends_for({}, engines=None, models_dir=tmp_path)
    with pytest.raises(InputError) as refused:
        translate.check("en", "hi", backends)
    message = refused.value.message
    assert refused.value.field == "subtitles"
    assert message.startswith("no translator for en → hi; tried user (no file for hi)")
    for name in ("llm (no studio LLM", "marian (no model in", "apertium ("):
        assert name in message


# -- the track's timing rules ----------------------------------------------------------------------


def test_fast_translation_extends_into_the_gap_then_merges():
    source = [Cue(1.0, 2.0, "Go."), Cue(2.5, 3.0, "Now."), Cue(9.0, 10.0, "Yes.")]
    texts = ["Vete ahora mismo de aquí.", "Ya.", "Sí."]  # 25 characters in 1 s: too fast
    cues = subtitles.translated_cues(source, texts, fps=25)
    assert cues[0].start == 1.0 and cues[0].text == "Vete ahora mismo de aquí. Ya."
    assert cues[0].end == 3.0  # merged with the next cue, as long as both
    assert (cues[1].start, cues[1].end, cues[1].text) == (9.0, 10.0, "Sí.")
    alone = subtitles.translated_cues([Cue(1.0, 2.0, "Go.")], [texts[0]], film_end=2.2)
    assert alone[0].end == 2.2  # extended into the gap, up to the film's end
    long = subtitles.translated_cues(
        [Cue(0.0, 1.0, "Hi."), Cue(20.0, 21.0, "Bye.")], ["x" * 40, "y"]
    )
    assert long[0].end == pytest.approx(40 / 17)  # read at 17 characters a second


def test_apertium_is_skipped_when_absent(monkeypatch):
    from pipelines.translate import apertium

    monkeypatch.setattr(apertium, "binary", lambda: None)
    assert "apt-get install" in Apertium().unavailable("en", "es")
    assert shutil.which is not None


def test_studio_llm_serves_translation_and_a_random_one_falls_through(tmp_path):
    """The tiny random-weight LLM through the studio engines: its answers fail the validator,
    so the next backend translates; a film is never left with a half-translated track."""
    pytest.importorskip("transformers")
    from pipelines.engines import StudioEngines
    from pipelines.engines.random_weights import main as tiny_main

    tiny_main([str(tmp_path), "--engines", "llm"])
    engines = StudioEngines.local(tmp_path)
    llm = LLMTranslator.from_engines(engines)
    assert llm.unavailable("en", "es") is None
    llm.max_new_tokens, llm.retries = 16, 0
    theirs = write_srt(tmp_path / "es.srt", SOURCE, SPANISH)
    texts = translate.translate(
        [c.text for c in SOURCE], "en", "es", [llm, UserTranslation({"es": theirs})]
    )
    assert texts == SPANISH
    with pytest.raises(TranslationError, match="failed validation on all 1 tries"):
        llm.translate([c.text for c in SOURCE], "en", "es")
