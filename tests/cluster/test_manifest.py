"""Bulk manifests: JSONL and CSV rows become films, and every bad row is refused alone, by name."""

from __future__ import annotations

import pytest

from cluster.manifest import ManifestError, read_manifest
from tests.cluster.conftest import write_manifest


def test_jsonl_rows_become_films_with_files_read_relative_to_the_manifest(assets, tmp_path):
    manifest = write_manifest(
        assets,
        "ok.jsonl",
        [
            {
                "id": "pier",
                "script": "scene.fountain",
                "images": ["still.png"],
                "duration": 60,
                "size": "1920x1080",
            },
            {
                "script": "The lamp turns.",
                "music": "none",
                "language": "fr",
                "voices": {"NARRATOR": "fr/m1"},
            },
        ],
    )
    result = read_manifest(str(manifest), out=str(tmp_path / "out"))
    assert result.bad == []
    pier, second = result.films
    assert pier.id == "pier" and pier.output == str(tmp_path / "out" / "pier")
    request = pier.request()
    assert request.script.startswith("EXT. PIER") and request.size == "1920x1080"
    assert request.images == [assets / "still.png"]
    assert second.id == "row-2" and second.request().music == "none"


def test_csv_rows_take_lists_and_voice_pairs(assets, tmp_path):
    manifest = assets / "ok.csv"
    manifest.write_text(
        "id,script,images,voices,duration,burn_subtitles,references\n"
        "pier,scene.fountain,still.png;still.png,IRIS=en/f1,75,yes,IRIS=still.png\n"
    )
    [film] = read_manifest(str(manifest), out=str(tmp_path)).films
    request = film.request()
    assert request.images == [assets / "still.png"] * 2
    assert request.voices == {"IRIS": "en/f1"}
    assert request.references == {"IRIS": str(assets / "still.png")}
    assert request.duration == 75 and request.burn_subtitles is True


@pytest.mark.parametrize(
    "row, reason",
    [
        (
            {"id": "long", "script": "Waves.", "duration": 900},
            "duration: duration 900 s is outside",
        ),
        (
            {"id": "ref", "script": "Waves.", "references": {"IRIS": "nowhere.png"}},
            "references[IRIS]: file nowhere.png not found",
        ),
        (
            {"id": "wide", "script": "Waves.", "size": "640x480"},
            "size: size '640x480' is not one of",
        ),
        (
            {"id": "lost", "script": "Waves.", "images": ["nowhere.png"]},
            "images[0]: file nowhere.png not found",
        ),
        ({"id": "mute", "script": "missing.fountain"}, "script: file missing.fountain not found"),
        (
            {"id": "voice", "script": "Waves.", "voices": {"NARRATOR": "nobody"}},
            "voices[NARRATOR]: unknown voice",
        ),
        ({"id": "typo", "script": "Waves.", "durration": 60}, "durration: is not a manifest field"),
        ({"id": "bad id!", "script": "Waves."}, "id: 'bad id!' must be"),
    ],
)
def test_a_bad_row_is_refused_with_its_field_and_limit(assets, tmp_path, row, reason):
    manifest = write_manifest(
        assets, "mixed.jsonl", [{"id": "fine", "script": "The lamp turns."}, row]
    )
    result = read_manifest(str(manifest), out=str(tmp_path))
    assert [f.id for f in result.films] == ["fine"]
    [bad] = result.bad
    assert bad.row == 2 and bad.reason.startswith(reason), bad.reason


def test_broken_json_and_repeated_ids_fail_only_their_rows(assets, tmp_path):
    manifest = assets / "broken.jsonl"
    manifest.write_text(
        '{"id": "a", "script": "One."}\n{"id": "a", "script": "Two."}\nnot json\n\n[1, 2]\n'
    )
    result = read_manifest(str(manifest), out=str(tmp_path))
    assert [f.id for f in result.films] == ["a"]
    assert [(b.row, b.reason.split(":")[0]) for b in result.bad] == [
        (2, "id"),
        (3, "row"),
        (4, "row"),
    ]
    assert "repeats row 1" in result.bad[0].reason


def test_a_row_without_any_output_location_is_refused(assets):
    manifest = write_manifest(assets, "nowhere.jsonl", [{"id": "a", "script": "One."}])
    [bad] = read_manifest(str(manifest)).bad
    assert bad.reason == "output: no output location: pass --out or give the row an output"


def test_a_row_can_name_its_own_output(assets, tmp_path):
    manifest = write_manifest(
        assets, "own.jsonl", [{"id": "a", "script": "One.", "output": "s3://b/films/a"}]
    )
    [film] = read_manifest(str(manifest), out=str(tmp_path)).films
    assert film.output == "s3://b/films/a"


def test_an_edited_row_gets_a_new_fingerprint(assets, tmp_path):
    first = read_manifest(
        str(write_manifest(assets, "v1.jsonl", [{"id": "a", "script": "One."}])), out=str(tmp_path)
    )
    again = read_manifest(
        str(write_manifest(assets, "v1b.jsonl", [{"id": "a", "script": "One."}])), out=str(tmp_path)
    )
    edited = read_manifest(
        str(write_manifest(assets, "v2.jsonl", [{"id": "a", "script": "Two."}])), out=str(tmp_path)
    )
    assert first.films[0].fingerprint == again.films[0].fingerprint != edited.films[0].fingerprint


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("missing.jsonl", None, "not found"),
        ("films.txt", "x", "must end in .jsonl or .csv"),
        ("cols.csv", "id,script,colour\n", "CSV columns colour are not known"),
    ],
)
def test_an_unreadable_manifest_is_one_error(assets, name, text, message):
    if text is not None:
        (assets / name).write_text(text)
    with pytest.raises(ManifestError, match=message):
        read_manifest(str(assets / name), out="/tmp/out")
