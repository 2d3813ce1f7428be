"""Sanskrit films: a shloka chanted pāda by pāda on the notes asked for, captioned in Devanagari."""

from __future__ import annotations

import numpy as np
import pysubs2
import pytest

from pipelines import espeak, voice
from pipelines.engines import DraftEngines
from pipelines.errors import InputError
from pipelines.orchestrator import render_film
from pipelines.request import make_request
from pipelines.sanskrit import chant, metre, padas
from pipelines.timeline import LINE_PAUSE
from tests.pipelines.test_verse import silences
from tests.utils.film import SHORT_FILMS
from tests.utils.probe import decode_audio

GITA_1_1 = """धर्मक्षेत्रे कुरुक्षेत्रे समवेता युयुत्सवः ।
मामकाः पाण्डवाश्चैव किमकुर्वत सञ्जय ॥ १ ॥"""
PADAS = ["धर्मक्षेत्रे कुरुक्षेत्रे", "समवेता युयुत्सवः ।", "मामकाः पाण्डवाश्चैव", "किमकुर्वत सञ्जय ॥"]
IAST = [
    "dharmakṣetre kurukṣetre",
    "samavetā yuyutsavaḥ |",
    "māmakāḥ pāṇḍavāścaiva",
    "kimakurvata sañjaya ||",
]
GITA_2_47 = """कर्मण्येवाधिकारस्ते मा फलेषु कदाचन ।
मा कर्मफलहेतुर्भूर्मा ते सङ्गोऽस्त्वकर्मणि ॥ ४७ ॥"""
TONIC_HZ = 138.59  # C#3


def hindi() -> str:
    return espeak.language_voices()["hi"].identifier


def cents_off(recited: chant.Recited) -> list[float]:
    """Each syllable's measured F0 (pyworld's harvest on the chanted audio, the median over its
    vowel) against its note, in cents."""
    import pyworld

    audio = recited.samples.astype(np.float64)
    f0, times = pyworld.harvest(audio, recited.sample_rate, frame_period=5.0)
    off = []
    for syllable in recited.syllables:
        inside = (times >= syllable.vowel + 0.02) & (times < syllable.end - 0.02) & (f0 > 0)
        assert inside.sum() >= 3, f"{syllable.text} has no voiced frames"
        off.append(1200 * np.log2(np.median(f0[inside]) / syllable.hz))
    return off


@pytest.fixture(scope="module")
def film(ray_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("chant") / "gita.mp4"
    request = make_request(
        SHORT_FILMS,
        script=GITA_1_1,
        language="sa",
        subtitle_iast=True,
        duration=20.0,
        music="none",
        seed=1,
    )
    return render_film(request, out)


def test_a_shloka_is_captioned_one_pada_a_cue_with_iast_under(film):
    cues = list(pysubs2.load(str(film.srt)))
    assert [cue.plaintext.split("\n") for cue in cues] == [list(p) for p in zip(PADAS, IAST)]
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    assert decode_audio(film.video).size > 0


def test_pauses_after_each_pada_and_longer_at_the_half_verse(film):
    """Measured in the film's audio: three pauses between the four pādas, the middle one (the
    half-verse's end) the longest."""
    pauses = silences(decode_audio(film.video).mean(axis=1))
    assert len(pauses) == 3, pauses
    pada_1, half_verse, pada_3 = pauses
    for pause in (pada_1, pada_3):
        assert LINE_PAUSE - 0.1 <= pause <= LINE_PAUSE + 0.3
    assert half_verse > 1.8 * max(pada_1, pada_3)


def test_sandhi_across_padas_is_cut_at_the_syllable():
    """Gītā 2.47's third and fourth pādas are one written word across the cut."""
    plan = padas.plan(GITA_2_47)
    assert [line.text for line in plan.lines] == [
        "कर्मण्येवाधिकारस्ते",
        "मा फलेषु कदाचन ।",
        "मा कर्मफलहेतुर्भूर्",
        "मा ते सङ्गोऽस्त्वकर्मणि ॥",
    ]
    assert all(metre.pada_metre(line.text) == "anuṣṭubh" for line in plan.lines)
    assert [len(shot.lines) for shot in plan.shots] == [2, 2]


def test_a_pada_is_sung_in_order_every_final_a_kept():
    """कदाचन-style schwa deletion would drop the final a of kimakurvata and sañjaya: espeak's
    phoneme events (retimed into the chant) keep every vowel, in the syllables' order."""
    recited = chant.recite("किमकुर्वत सञ्जय ॥", hindi())
    assert recited.metre == "anuṣṭubh"
    assert [s.text for s in recited.syllables] == ["ki", "ma", "ku", "rva", "ta", "sa", "ñja", "ya"]
    vowels = [
        e.phoneme.strip("ˈˌ")
        for e in recited.events
        if e.kind == "phoneme" and chant._VOWEL.match(e.phoneme.strip("ˈˌ"))
    ]
    assert vowels == ["i", "ə", "u", "ə", "ə", "ə", "ə", "ə"]
    words = [e.time for e in recited.events if e.kind == "word"]
    assert len(words) == 2 and words[1] == pytest.approx(recited.syllables[5].start, abs=0.1)
    vowel_times = [s.vowel for s in recited.syllables]
    assert vowel_times == sorted(vowel_times)


def test_heavy_syllables_last_twice_as_long_as_light_ones():
    recited = chant.recite("समवेता युयुत्सवः ।", hindi())
    lengths = [s.end - s.start for s in recited.syllables]
    light = chant.LIGHT_SECONDS
    assert lengths == pytest.approx([light * (2 if w == "G" else 1) for w in "LLGGLGLG"])


def test_recitation_tone_rises_at_the_pada_and_falls_at_the_half_verse():
    recited = chant.recite("समवेता युयुत्सवः ।", hindi(), tonic_hz=TONIC_HZ)
    semitones = [round(12 * np.log2(s.hz / TONIC_HZ)) for s in recited.syllables]
    assert semitones == [0, 2, 4, 4, 4, 4, 2, 0]
    assert max(abs(c) for c in cents_off(recited)) < 50


def test_chanted_notes_sit_within_50_cents():
    scale = chant.parse_notes("S R G P .D")
    recited = chant.recite("dharmakṣetre kurukṣetre", hindi(), tonic_hz=196.0, scale=scale)
    semitones = [round(12 * np.log2(s.hz / 196.0)) for s in recited.syllables]
    assert semitones == [0, 2, 4, 7, -3, 0, 2, 4]
    assert max(abs(c) for c in cents_off(recited)) < 50


def test_a_line_of_another_metre_is_chanted_on_its_notes():
    recited = chant.recite("syād indravajrā yadi tau jagau gaḥ", hindi(), tonic_hz=TONIC_HZ)
    assert recited.metre == "indravajrā" and len(recited.syllables) == 11
    assert max(abs(c) for c in cents_off(recited)) < 50


def test_any_spelling_gives_the_same_padas_and_a_hindi_voice_speaks_them():
    itrans = "dharmakShetre kurukShetre samavetA yuyutsavaH\nmAmakAH pANDavAshchaiva kimakurvata sa~njaya"
    assert [line.text for line in padas.plan(itrans).lines] == PADAS
    assert voice.cast([], "sa")["NARRATOR"].language == "hi"
    assert voice.cast([], "sa", {"NARRATOR": "f1"})["NARRATOR"].name == "hi/f1"


def test_a_line_in_no_metre_is_recited():
    recited = chant.recite("rāmo rājamaṇiḥ sadā vijayate", hindi())
    assert recited.metre is None and recited.syllables == []
    assert recited.samples.size > 0
    plan = padas.plan("rāmo rājamaṇiḥ sadā vijayate\nrāmaṃ ramesaṃ bhaje")
    assert [line.text for line in plan.lines] == ["रामो राजमणिः सदा विजयते", "रामं रमेसं भजे"]


def test_the_tonic_defaults_to_the_narrators_voice():
    assert chant.tonic_hz(None, "male") == pytest.approx(138.59, abs=0.01)  # C#3
    assert chant.tonic_hz(None, "female") == pytest.approx(207.65, abs=0.01)  # G#3
    assert chant.tonic_hz("D3", "female") == pytest.approx(146.83, abs=0.01)


def test_bad_notes_and_tonic_are_refused_by_field():
    with pytest.raises(InputError) as refused:
        make_request(SHORT_FILMS, script=GITA_1_1, language="sa", duration=20, chant="S X G")
    assert refused.value.field == "chant" and "'X'" in refused.value.message
    with pytest.raises(InputError) as refused:
        make_request(SHORT_FILMS, script=GITA_1_1, language="sa", duration=20, tonic="H3")
    assert refused.value.field == "tonic"


def test_a_repeated_pada_is_chanted_on_the_same_notes_each_time():
    """Pāda 2 comes back as pāda 4: sung, not spoken again, so the same audio (and so the same
    F0 contour) both times, though it ends the verse where it first ended a half-verse."""
    text = "धर्मक्षेत्रे कुरुक्षेत्रे समवेता युयुत्सवः ।\nमामकाः पाण्डवाश्चैव समवेता युयुत्सवः ॥"
    plan = padas.plan(text)
    assert [line.refrain for line in plan.lines] == [None, 0, None, 0]
    recite = chant.reciter("sa", TONIC_HZ, "")
    speech = voice.speak_to_fit(
        plan, voice.cast([], "sa"), "hi", 30.0, DraftEngines(), lambda *_: None, None, recite
    )
    (_, first), (_, again) = speech
    assert np.array_equal(first, again)
