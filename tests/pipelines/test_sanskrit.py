"""Sanskrit: any spelling read alike, every vowel spoken, the metre named."""

from __future__ import annotations

import pytest

from pipelines import sanskrit
from pipelines.sanskrit import metre

GITA_1_1 = """धर्मक्षेत्रे कुरुक्षेत्रे समवेता युयुत्सवः ।
मामकाः पाण्डवाश्चैव किमकुर्वत सञ्जय ॥ १ ॥"""
IAST_1_1 = "dharmakṣetre kurukṣetre samavetā yuyutsavaḥ"


def test_devanagari_itrans_and_iast_read_alike():
    first_half = GITA_1_1.splitlines()[0].rstrip(" ।")
    assert sanskrit.to_iast(first_half) == IAST_1_1
    assert sanskrit.to_iast("dharmakShetre kurukShetre samavetA yuyutsavaH") == IAST_1_1
    assert sanskrit.to_iast(IAST_1_1) == IAST_1_1


def test_the_final_a_is_spoken():
    """कदाचन through the Hindi voice in phoneme mode: four syllables, the last vowel present
    (the plain Hindi reading drops it)."""
    assert sanskrit.phoneme_text("कदाचन") == "[[k@da:c@n@]]"
    _, events = sanskrit.speak("कदाचन")
    spoken = [e.phoneme.strip("ˈˌ ") for e in events if e.kind == "phoneme" and e.phoneme.strip()]
    assert spoken == ["k", "ə", "d", "aː", "c", "ə", "n", "ə"]


def test_visarga_echoes_and_dandas_are_silent():
    assert sanskrit.phoneme_text("युयुत्सवः ॥ १ ॥") == "[[jujuts@v@h@]]"
    assert sanskrit.phoneme_text("रामः हरिः") == "[[ra:m@h@]] [[h@rihi]]"


@pytest.mark.parametrize(
    ("verse", "name"),
    [
        (GITA_1_1, "anuṣṭubh"),
        # the metres' own definitions are in the metres they define, four pādas each
        (" ".join(["syād indravajrā yadi tau jagau gaḥ"] * 4), "indravajrā"),
        (" ".join(["upendravajrā jatajās tato gau"] * 4), "upendravajrā"),
        (
            "dhyeyaṃ sadā paribhavaghnam abhīṣṭadohaṃ tīrthāspadaṃ śivaviriñcinutaṃ śaraṇyam "
            "bhṛtyārtihaṃ praṇatapāla bhavābdhipotaṃ vande mahāpuruṣa te caraṇāravindam",
            "vasantatilakā",
        ),
    ],
)
def test_known_metres_are_recognised(verse, name):
    found = metre.identify(verse)
    assert found is not None and found.name == name
    assert len(found.padas) == 4


def test_light_and_heavy_syllables():
    scan = metre.scan("dharmakṣetre")
    assert scan.syllables == ["dha", "rma", "kṣe", "tre"]  # onsets take the consonants
    assert scan.weights == "GGGG"  # rm, kṣ and tr are conjuncts; e is long
    assert metre.scan("kadācana").weights == "LGLL"


def test_a_line_in_no_metre_is_recited_not_refused():
    assert metre.identify("rāmo rājamaṇiḥ sadā vijayate") is None
