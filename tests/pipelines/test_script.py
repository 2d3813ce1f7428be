"""Script analysis: what a writer's Fountain or prose becomes in the plan."""

from pathlib import Path

import pytest

from pipelines.errors import InputError
from pipelines.plan import MOODS, NARRATOR
from pipelines.script import analyze, describe, main

SAMPLE = Path(__file__).parents[2] / "samples" / "sample.fountain"


def spoken(plan):
    return [(line.speaker, line.text) for line in plan.lines]


def test_title_page_keys_and_multiline_values():
    plan = analyze(
        "Title: _**The Last Lamp**_\n"
        "Credit: Written by\n"
        "Author: AI Film Studio\n"
        "Contact:\n"
        "    Harbour Road 1\n"
        "    Seaport\n"
        "Draft date: 1 May 2025\n"
        "\n"
        "EXT. SEA - DAY\n"
        "\n"
        "Waves.\n"
    )
    assert plan.format == "fountain"
    assert plan.title == "The Last Lamp"
    assert plan.title_page["author"] == "AI Film Studio"
    assert plan.title_page["draft date"] == "1 May 2025"
    assert plan.title_page["contact"] == "Harbour Road 1\nSeaport"
    assert "Title" not in " ".join(line.text for line in plan.lines)


@pytest.mark.parametrize(
    "heading",
    [
        "INT. HOUSE - DAY",
        "EXT. BEACH - NIGHT",
        "EST. TOWN",
        "INT./EXT. CAR - DAY",
        "INT/EXT. CAR - DAY",
        "I/E CAR - DAY",
        "int. kitchen - day",
        ".THE VOID",
    ],
)
def test_scene_heading_forms(heading):
    plan = analyze(f"{heading}\n\nA door opens.\n")
    assert plan.scenes[0].heading == heading.removeprefix(".")
    assert plan.lines == [plan.lines[0]] and plan.lines[0].text == "A door opens."


def test_scene_numbers_and_untitled_opening():
    plan = analyze(
        "A gull cries.\n\nINT. HOUSE - DAY #1A#\n\nRain.\n\nEXT. YARD - DAY #12#\n\nSun."
    )
    assert [s.heading for s in plan.scenes] == [None, "INT. HOUSE - DAY", "EXT. YARD - DAY"]
    assert [s.number for s in plan.scenes] == [None, "1A", "12"]


def test_action_paragraphs_become_narrated_shots():
    plan = analyze("EXT. SEA - DAY\n\nThe boat rocks.\nWater slaps the hull.\n\nA gull lands.\n")
    shots = plan.scenes[0].shots
    assert [s.description for s in shots] == [
        "The boat rocks. Water slaps the hull.",
        "A gull lands.",
    ]
    assert shots[0].lines[0].speaker == NARRATOR
    assert shots[0].lines[0].text == "The boat rocks. Water slaps the hull."


def test_forced_action_is_not_a_cue():
    plan = analyze("EXT. SEA - DAY\n\n!SCREAMING\nThe wind howls.\n")
    assert plan.characters == []
    assert plan.lines[0].text == "SCREAMING The wind howls."


def test_dialogue_with_cue_extension_and_parentheticals():
    plan = analyze(
        "INT. LAMP ROOM - NIGHT\n\n"
        "IRIS (V.O.)\n"
        "(quietly)\n"
        "Forty years\n"
        "I have kept this light.\n"
        "(beat)\n"
        "No more.\n"
    )
    first, second = plan.lines
    assert (first.speaker, first.extension) == ("IRIS", "V.O.")
    assert first.text == "Forty years I have kept this light."
    assert first.parenthetical == "(quietly)"
    assert (second.text, second.parenthetical) == ("No more.", "(beat)")
    assert all("quietly" not in line.text for line in plan.lines)
    assert plan.characters == ["IRIS"]


def test_scene_that_opens_with_dialogue_gets_a_shot_of_its_heading():
    plan = analyze("INT. HOUSE - DAY\n\nMARA\nHello?\n")
    shot = plan.scenes[0].shots[0]
    assert shot.description == "INT. HOUSE - DAY"
    assert [(line.speaker, line.text) for line in shot.lines] == [("MARA", "Hello?")]


def test_dialogue_is_spoken_over_the_current_shot():
    plan = analyze("EXT. SEA - DAY\n\nA boat.\n\nTEO\nHello!\n")
    assert len(plan.shots) == 1
    assert spoken(plan) == [(NARRATOR, "A boat."), ("TEO", "Hello!")]


def test_forced_cue_and_contd_extension():
    plan = analyze("EXT. SEA - DAY\n\n@McCoy\nAhoy.\n\nMCCOY (CONT'D)\nAnyone?\n")
    assert [(line.speaker, line.extension) for line in plan.lines] == [
        ("MCCOY", None),
        ("MCCOY", "CONT'D"),
    ]
    assert plan.characters == ["MCCOY"]


def test_dual_dialogue():
    plan = analyze("EXT. SEA - DAY\n\nIRIS\nLeft!\n\nTEO ^\nRight!\n")
    assert [(line.speaker, line.dual) for line in plan.lines] == [("IRIS", False), ("TEO", True)]


def test_transitions_end_scenes():
    plan = analyze(
        "EXT. SEA - DAY\n\nWaves.\n\nCUT TO:\n\n"
        "EXT. SHORE - DAY\n\nSand.\n\n> Fade to black.\n\n"
        "EXT. SKY - NIGHT\n\nStars.\n"
    )
    assert [s.transition for s in plan.scenes] == ["CUT TO:", "Fade to black.", None]
    assert all("CUT TO" not in line.text for line in plan.lines)


def test_centered_text_is_a_silent_card():
    plan = analyze("EXT. SEA - DAY\n\nWaves.\n\n>THE END<\n")
    card = plan.shots[-1]
    assert card.centered and card.description == "THE END" and card.lines == []


def test_notes_and_boneyard_are_removed_everywhere():
    plan = analyze(
        "EXT. SEA - DAY\n\n"
        "The boat [[check this]] rocks.\n[[second note]]\n\n"
        "[[A note\nover two lines]]\n\n"
        "/* A cut scene.\n\nINT. HOUSE - DAY\n\nNobody. */\n"
        "MARA\nHello [[wave]] there.\n"
    )
    assert [s.heading for s in plan.scenes] == ["EXT. SEA - DAY"]
    assert spoken(plan) == [(NARRATOR, "The boat rocks."), ("MARA", "Hello there.")]


def test_sections_synopses_and_page_breaks_are_not_spoken():
    plan = analyze(
        "# Act One\n\n= The keeper's last night.\n\n"
        "EXT. SEA - DAY\n\nWaves.\n\n===\n\n## The storm\n\nRain.\n"
    )
    assert spoken(plan) == [(NARRATOR, "Waves."), (NARRATOR, "Rain.")]


def test_emphasis_markup_is_stripped_from_what_is_spoken():
    plan = analyze(
        "EXT. SEA - DAY\n\nThe *tide* is **high** and ***rising***, _fast_.\n\n"
        "MARA\nIt costs 5 \\* 3 coins. _**Now**_!\n"
    )
    assert [line.text for line in plan.lines] == [
        "The tide is high and rising, fast.",
        "It costs 5 * 3 coins. Now!",
    ]


def test_lyrics_are_sung_as_dialogue():
    plan = analyze("EXT. SEA - DAY\n\nTEO\n~Row, row, row\n~your boat.\n")
    assert spoken(plan) == [("TEO", "Row, row, row your boat.")]


def test_narrate_action_off_leaves_only_characters_speaking():
    text = "EXT. SEA - DAY\n\nA boat.\n\nTEO\nHello!\n"
    plan = analyze(text, narrate_action=False)
    assert spoken(plan) == [("TEO", "Hello!")]
    assert plan.shots[0].description == "A boat."


def test_prose_paragraphs_become_shots_narrated_sentence_by_sentence():
    plan = analyze(
        "The keeper climbed the stairs. Mr. Hale watched from below, e.g. from the rocks.\n"
        "Dr. Ruiz waited.\n\n"
        "Night fell! Was anyone there? Nobody knew...\n"
    )
    assert plan.format == "prose"
    assert len(plan.scenes) == 1 and plan.scenes[0].heading is None
    assert [len(shot.lines) for shot in plan.shots] == [3, 3]
    assert [line.text for line in plan.shots[0].lines] == [
        "The keeper climbed the stairs.",
        "Mr. Hale watched from below, e.g. from the rocks.",
        "Dr. Ruiz waited.",
    ]
    assert {line.speaker for line in plan.lines} == {NARRATOR}


def test_prose_sentences_in_other_scripts():
    plan = analyze("灯台が光る。船が帰ってくる！誰か見ている？\n\nदीपक जलता है। नाव लौटती है।")
    assert [line.text for line in plan.lines] == [
        "灯台が光る。",
        "船が帰ってくる！",
        "誰か見ている？",
        "दीपक जलता है।",
        "नाव लौटती है।",
    ]


def test_prose_quotes_attributed_to_named_characters():
    plan = analyze(
        'The boat drifted. "Is anyone there?" asked Teo. "Anyone?"\n\n'
        'Iris said, "I see you."\n\n'
        '"Hold on," she whispered.\n'
    )
    assert spoken(plan) == [
        (NARRATOR, "The boat drifted."),
        ("TEO", "Is anyone there?"),
        ("TEO", "Anyone?"),
        ("IRIS", "I see you."),
        (NARRATOR, '"Hold on," she whispered.'),
    ]
    assert plan.characters == ["TEO", "IRIS"]


def test_prose_section_breaks_start_scenes():
    plan = analyze("Morning came.\n\n***\n\nNight came.\n\n* * *\nThen dawn.")
    assert [len(scene.shots) for scene in plan.scenes] == [1, 1, 1]


def test_prose_title_is_its_first_words():
    plan = analyze("The sea was calm that night, and the keeper slept at last.")
    assert plan.title == "The sea was calm that night, and the…"


def test_title_falls_back_to_first_scene_heading():
    assert analyze("EXT. SEA - DAY\n\nWaves.").title == "EXT. SEA - DAY"


def test_characters_in_order_of_first_appearance_without_narrator():
    plan = analyze("EXT. SEA\n\nTEO\nHi.\n\nIRIS\nHi.\n\nNARRATOR\nThey met.\n\nTEO\nBye.\n")
    assert plan.characters == ["TEO", "IRIS"]


@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("The storm hit. They ran in fear as the danger grew and someone screamed.", "tense"),
        ("She cried at the funeral, lonely in her grief.", "sad"),
        ("They laughed and danced at the wedding, happy at last.", "joyful"),
        ("A table stands in a room.", "calm"),
    ],
)
def test_mood_from_keywords(text, mood):
    assert analyze(text).mood == mood
    assert mood in MOODS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "[[only a note]]",
        "/* all cut */",
        "Title: Nothing Here\nAuthor: Nobody\n",
        "Title: Plans\n\n# Act One\n\n= The keeper's last night.\n\n===\n",
    ],
)
def test_nothing_to_show_or_speak_is_refused(text):
    with pytest.raises(InputError) as error:
        analyze(text)
    assert error.value.field == "script"


def test_lines_are_never_empty():
    plan = analyze('EXT. SEA\n\nMARA\n(beat)\n\n"..." said Teo.\n\n***\n\n**  **\n')
    assert all(line.text.strip() for line in plan.lines)


def test_sample_screenplay():
    plan = analyze(SAMPLE.read_text(encoding="utf-8"))
    assert plan.format == "fountain"
    assert len(plan.scenes) >= 3
    assert len(plan.characters) == 2
    assert plan.title_page["author"] == "AI Film Studio"
    assert plan.shots[-1].centered and plan.shots[-1].description == "THE END"
    words = sum(len(line.text.split()) for line in plan.lines)
    assert 120 <= words <= 160  # about a minute at 150 words a minute


def test_command_line_prints_the_plan(capsys, tmp_path):
    assert main([str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    plan = analyze(SAMPLE.read_text(encoding="utf-8"))
    assert out.strip() == describe(plan)
    assert "IRIS (V.O.)" in out and "(calling into the wind)" in out
    empty = tmp_path / "empty.fountain"
    empty.write_text("[[nothing]]")
    assert main([str(empty)]) == 2
    assert "script:" in capsys.readouterr().err


# ── Fountain 1.1 rules a script without headings or cues still follows ─────────────────────────


@pytest.mark.parametrize(
    ("text", "shown", "said"),
    [
        ("The tide turns.\n\n> THE END <\n", ["The tide turns.", "THE END"], ["The tide turns."]),
        ("The tide turns.\n\nCUT TO:\n\nThe shore.\n", None, ["The tide turns.", "The shore."]),
        ("~Row, row, row your boat.\n", None, ["Row, row, row your boat."]),
        ("= The keeper's last night.\n\nThe tide turns.\n", None, ["The tide turns."]),
        ("!SCANNING THE SEA...\nNothing.\n", None, ["SCANNING THE SEA... Nothing."]),
    ],
)
def test_any_fountain_markup_makes_a_screenplay_and_is_never_narrated(text, shown, said):
    plan = analyze(text)
    assert plan.format == "fountain"
    assert [line.text for line in plan.lines] == said
    if shown:
        assert [shot.description for shot in plan.shots] == shown


@pytest.mark.parametrize("rule", ["===", "= = =", "***"])
def test_prose_with_only_a_scene_break_stays_prose(rule):
    plan = analyze(f'"Come in," said Mara.\n\n{rule}\n\nThe door shut.\n')
    assert plan.format == "prose"
    assert spoken(plan) == [("MARA", "Come in."), (NARRATOR, "The door shut.")]


def test_boneyard_between_transition_and_heading_keeps_them_apart():
    plan = analyze(
        "EXT. SEA - DAY\n\nWaves.\n\nCUT TO:\n/*\nINT. HOUSE - DAY\n\nMARA\nHello.\n*/\n"
        "EXT. SHORE - DAY\n\nSand.\n"
    )
    assert [(s.heading, s.transition) for s in plan.scenes] == [
        ("EXT. SEA - DAY", "CUT TO:"),
        ("EXT. SHORE - DAY", None),
    ]
    assert spoken(plan) == [(NARRATOR, "Waves."), (NARRATOR, "Sand.")]


def test_a_note_on_its_own_line_does_not_end_dialogue():
    plan = analyze("EXT. SEA - DAY\n\nMARA\nHello.\n[[louder?]]\nIs anyone there?\n")
    assert spoken(plan) == [("MARA", "Hello. Is anyone there?")]


def test_a_note_never_crosses_a_blank_line():
    plan = analyze("EXT. SEA - DAY\n\nThe boat [[\nrocks\n\nin the swell ]]\n\nRain.\n")
    assert [line.text for line in plan.lines] == ["The boat [[ rocks", "in the swell ]]", "Rain."]


def test_a_note_may_hold_a_line_of_two_spaces():
    plan = analyze("EXT. SEA - DAY\n\nThe boat [[a note\n  \nstill the note]] rocks.\n")
    assert [line.text for line in plan.lines] == ["The boat rocks."]


def test_title_page_ends_at_the_first_line_that_is_not_a_key():
    plan = analyze("Title: The Last Lamp\nAuthor: Iris\nThe lamp is out.\nKeeper: gone.\n")
    assert plan.title_page == {"title": "The Last Lamp", "author": "Iris"}
    assert [line.text for line in plan.lines] == ["The lamp is out. Keeper: gone."]


def test_a_page_of_unknown_keys_is_a_title_page_only_before_fountain():
    screenplay = analyze("Fmt: no-auto-act-breaks\n\n> ACT ONE <\n\nThe sea.\n")
    assert screenplay.title_page == {"fmt": "no-auto-act-breaks"}
    assert [line.text for line in screenplay.lines] == ["The sea."]
    prose = analyze("Note: the sea was calm.\n\nThe boat drifted home.\n")
    assert prose.format == "prose" and prose.title_page == {}
    assert [line.text for line in prose.lines] == [
        "Note: the sea was calm.",
        "The boat drifted home.",
    ]


def test_a_transition_followed_by_spaces_is_action():
    plan = analyze("EXT. SEA - DAY\n\nWaves.\n\nNOT A TRANSITION TO:  \n\nSand.\n")
    assert plan.scenes[0].transition is None
    assert [line.text for line in plan.lines] == ["Waves.", "NOT A TRANSITION TO:", "Sand."]


def test_indented_transition_is_a_transition():
    plan = analyze("EXT. SEA - DAY\n\nWaves.\n\n\t\tCUT TO:\n\nEXT. SHORE - DAY\n\nSand.\n")
    assert plan.scenes[0].transition == "CUT TO:"


# ── [[image: NAME]] notes ──────────────────────────────────────────────────────────────────────

IMAGE_NOTES = """Title: Notes

EXT. LIGHTHOUSE - DUSK

[[image: lighthouse.png]]

The sun sinks.

IRIS
Forty years.

[[image: lantern.png]]
Iris climbs with a lantern.

She reaches the top. [[image: Top Room.jpg]]

INT. LAMP ROOM - NIGHT

The lamp turns.

[[image: sea.png]]

EXT. SEA - NIGHT

Waves.
"""


def test_an_image_note_before_any_shot_is_the_scenes_and_before_a_shot_that_shots():
    plan = analyze(IMAGE_NOTES)
    assert [scene.image for scene in plan.scenes] == ["lighthouse.png", None, "sea.png"]
    assert [shot.image for shot in plan.scenes[0].shots] == [None, "lantern.png", "Top Room.jpg"]
    assert plan.scenes[1].shots[0].image is None
    # the notes are neither spoken nor shown
    assert "image" not in " ".join(
        [*(s.description for s in plan.shots), *(t for _, t in spoken(plan))]
    )
    assert spoken(plan)[1] == ("IRIS", "Forty years.")


def test_image_notes_in_prose():
    plan = analyze("[[image: boat.png]]\n\nA boat.\n\n[[image: sea.png]]\nThe sea.\n\n***\n\nHome.")
    assert plan.format == "prose"
    assert plan.scenes[0].image == "boat.png"
    assert [shot.image for shot in plan.shots] == [None, "sea.png", None]


def test_an_image_note_without_a_name_is_refused():
    with pytest.raises(InputError, match=r"\[\[image: \]\] note names no file"):
        analyze("EXT. SEA - DAY\n\n[[image: ]]\n\nWaves.\n")
