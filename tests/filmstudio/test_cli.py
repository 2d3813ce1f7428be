"""The CLI: bad input gives one line naming the problem, exit code 2, and no files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import psutil
import pytest
from PIL import Image
from typer.testing import CliRunner

from filmstudio.cli import app

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "INT. ROOM - DAY\n\nA door opens.\n\nMARA\nHello.\n"


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "s.fountain"
    path.write_text(SCRIPT)
    return path


def run(*args: str):
    result = CliRunner().invoke(app, ["render", *args])
    return result.exit_code, result.output.strip()


def refused(out_dir: Path, *args: str) -> str:
    code, output = run(*args, "-o", str(out_dir / "film.mp4"))
    assert code == 2, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert not out_dir.exists() or not any(out_dir.iterdir()), list(out_dir.iterdir())
    return lines[0]


def test_empty_script(tmp_path):
    empty = tmp_path / "empty.fountain"
    empty.write_text("  \n\n")
    assert "script" in refused(tmp_path / "out", str(empty), "--duration", "5")


def test_unreadable_script(tmp_path):
    assert "cannot read" in refused(tmp_path / "out", str(tmp_path / "missing.fountain"))
    binary = tmp_path / "binary.fountain"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 100)
    assert "script" in refused(tmp_path / "out", str(binary))


def test_a_podcast_transcript_never_overwrites_the_script(tmp_path):
    show = tmp_path / "show.txt"
    show.write_text("HOST A: Hi.\nHOST B: Hello.\n")
    code, output = run(str(show), "--podcast", "--duration", "5", "-o", str(tmp_path / "show.mp4"))
    assert code == 2 and output.startswith("error: output:"), output
    assert show.read_text() == "HOST A: Hi.\nHOST B: Hello.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show.txt"]


def test_unknown_voice_and_language(tmp_path, script):
    assert "voices[MARA]" in refused(
        tmp_path / "out", str(script), "--voice", "MARA=xx/zz", "--duration", "5"
    )
    assert "language" in refused(
        tmp_path / "out", str(script), "--language", "klingon", "--duration", "5"
    )


def test_subtitle_languages_and_translations_are_checked(tmp_path, script):
    out = tmp_path / "out"
    assert "subtitles: 'zz' is not a language code" in refused(
        out, str(script), "--subtitles", "es,zz", "--duration", "5"
    )
    assert "translation: 'es' is not LANG=FILE" in refused(
        out, str(script), "--translation", "es", "--duration", "5"
    )
    assert "translations[es]" in refused(
        out, str(script), "--translation", f"es={tmp_path / 'none.srt'}", "--duration", "5"
    )
    assert "no translator for en → ta; tried user (no file for ta)" in refused(
        out, str(script), "--subtitles", "ta", "--duration", "5"
    )


def test_image_that_does_not_decode_and_a_decompression_bomb(tmp_path, script):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    line = refused(tmp_path / "out", str(script), "--image", str(junk), "--duration", "5")
    assert "images[0]" in line
    bomb = tmp_path / "bomb.png"
    Image.new("1", (30000, 30000)).save(bomb)
    line = refused(tmp_path / "out", str(script), "--image", str(bomb), "--duration", "5")
    assert "images[0]" in line and "limit" in line


def test_music_that_does_not_decode(tmp_path, script):
    junk = tmp_path / "song.mp3"
    junk.write_bytes(os.urandom(4000))
    assert "music" in refused(
        tmp_path / "out", str(script), "--music", str(junk), "--duration", "5"
    )


def test_duration_outside_the_range(tmp_path, script):
    line = refused(tmp_path / "out", str(script), "--duration", "900")
    assert "duration" in line and "300" in line


def test_output_that_cannot_be_written(tmp_path, script):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, output = run(str(script), "--duration", "5", "-o", str(blocker / "film.mp4"))
    assert code == 2 and output.startswith("error: output")
    code, output = run(str(script), "--duration", "5", "-o", str(tmp_path / "film.avi"))
    assert code == 2 and "output" in output


def test_a_script_too_long_for_its_duration_exits_2_from_the_installed_command(tmp_path):
    """Refused after the voices, while the music bed is still being made beside them: the
    process still ends with exit 2 and one line (not abort()'s 134 at Python's shutdown)."""
    script = tmp_path / "long.txt"
    script.write_text("A lamp glows in the dark room. The sea is calm tonight.")
    out = tmp_path / "out"
    command = Path(sys.executable).parent / "filmstudio"
    done = subprocess.run(
        [str(command), "render", str(script), "--duration", "3", "-o", str(out / "f.mp4")],
        env={**os.environ, "FILMSTUDIO_MIN_DURATION": "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr.strip().splitlines() == [done.stderr.strip()]
        and "needs at least" in done.stderr
    )
    assert not out.exists() or not any(out.iterdir())


def test_voices_lists_every_language():
    result = CliRunner().invoke(app, ["voices", "--language", "hi"])
    assert result.exit_code == 0 and "hi/f2" in result.output


def test_ctrl_c_leaves_no_ray_processes_and_no_files(tmp_path):
    script = tmp_path / "long.txt"
    script.write_text(
        "\n\n".join(f"Paragraph {i} is read slowly by the narrator." for i in range(12))
    )
    out = tmp_path / "out"
    env = {**os.environ, "FILMSTUDIO_MIN_DURATION": "2"}
    proc = psutil.Popen(
        [
            sys.executable,
            "-m",
            "filmstudio.cli",
            "render",
            str(script),
            "--duration",
            "60",
            "-o",
            str(out / "f.mp4"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    family: set[int] = set()
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:  # wait until Ray workers are rendering
        kids = proc.children(recursive=True)
        family |= {k.pid for k in kids}
        if (
            any("raylet" in " ".join(k.cmdline()) for k in kids if k.is_running())
            and (out / "f.mp4.part").exists()
        ):
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read().decode()
    family |= {k.pid for k in proc.children(recursive=True)}
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    time.sleep(2)
    alive = [
        pid
        for pid in family
        if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]
    assert not alive, [psutil.Process(p).cmdline() for p in alive]
    assert not any(out.iterdir())


# ── hearing a voice: filmstudio voices --say TEXT VOICE [-o OUT.wav] ───────────────────────────


def say(*args: str):
    result = CliRunner().invoke(app, ["voices", "--say", *args])
    return result.exit_code, result.output.strip()


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as clip:
        return clip.getnframes() / clip.getframerate()


def test_say_writes_a_short_wav(tmp_path):
    out = tmp_path / "iris.wav"
    code, output = say("Forty years I have kept this light.", "hi/m3", "-o", str(out))
    assert code == 0, output
    assert str(out) in output
    assert 0.5 < wav_seconds(out) <= 10
    assert [p.name for p in tmp_path.iterdir()] == ["iris.wav"]


def test_say_takes_a_bare_preset_with_a_language(tmp_path):
    out = tmp_path / "f2.wav"
    assert say("Bonjour.", "f2", "--language", "fr", "-o", str(out))[0] == 0
    assert out.stat().st_size > 0


def test_say_without_a_player_writes_preview_wav_and_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-players"))
    monkeypatch.chdir(tmp_path)
    code, output = say("Hello there.", "en/f2")
    assert code == 0, output
    assert str(tmp_path / "preview.wav") in output
    assert wav_seconds(tmp_path / "preview.wav") > 0.3


def test_say_plays_on_a_player_when_there_is_one(tmp_path, monkeypatch):
    bin_dir, played = tmp_path / "bin", tmp_path / "played.wav"
    bin_dir.mkdir()
    player = bin_dir / "aplay"  # called as `aplay -q FILE`
    player.write_text(f'#!/bin/sh\ncp "$2" "{played}"\n')
    player.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("PULSE_SERVER", "unix:/run/pulse/native")  # a sound server to play on
    monkeypatch.chdir(tmp_path)
    code, output = say("Hello there.", "en/f2")
    assert code == 0, output
    assert "aplay" in output
    assert wav_seconds(played) > 0.3
    assert not (tmp_path / "preview.wav").exists()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["Hello.", "en/nobody"], "voice"),
        (["Hello."], "voice"),
        (["   ", "en/f2"], "text"),
        (["a" * 201, "en/f2"], "text"),
        (["Hello.", "en/f2", "-o", "{tmp}/missing/x.wav"], "output"),
    ],
)
def test_say_refuses_bad_input_naming_the_field_and_writes_nothing(tmp_path, args, field):
    code, output = say(*(a.format(tmp=tmp_path) for a in args))
    assert code == 2, output
    assert output.startswith(f"error: {field}") and len(output.splitlines()) == 1, output
    assert not any(tmp_path.iterdir())


def test_admin_backup_and_restore(tmp_path, monkeypatch, sqlite_template):
    """`filmstudio admin backup/restore` with the settings from the environment; refusals exit 2."""
    import shutil

    shutil.copyfile(sqlite_template, tmp_path / "studio.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'studio.db'}")
    monkeypatch.setenv("FILMSTUDIO_MEDIA_DIR", str(tmp_path / "media"))
    (tmp_path / "media" / "users").mkdir(parents=True)
    (tmp_path / "media" / "users" / "a.png").write_bytes(b"png")
    runner = CliRunner()
    made = runner.invoke(app, ["admin", "backup", str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    assert "1 media files" in made.output and (tmp_path / "b" / "manifest.json").is_file()
    again = runner.invoke(app, ["admin", "backup", str(tmp_path / "b")])
    assert again.exit_code == 2 and "exists and is not an empty directory" in again.output
    in_use = runner.invoke(app, ["admin", "restore", str(tmp_path / "b")])
    assert in_use.exit_code == 2 and "already has tables" in in_use.output
    (tmp_path / "studio.db").unlink()
    shutil.rmtree(tmp_path / "media")
    back = runner.invoke(app, ["admin", "restore", str(tmp_path / "b")])
    assert back.exit_code == 0, back.output
    assert (tmp_path / "media" / "users" / "a.png").read_bytes() == b"png"
    assert (tmp_path / "studio.db").is_file()


def test_a_character_look_is_a_sheet_or_a_portrait_by_file_type(tmp_path, script):
    photo = tmp_path / "mara.jpg"
    Image.new("RGB", (120, 160), (90, 120, 200)).save(photo)  # no face in it
    line = refused(tmp_path / "out", str(script), "--character", f"MARA={photo}", "--duration", "5")
    assert "character_portraits[MARA]" in line and "no face found on the portrait" in line
    sheet = tmp_path / "mara.zip"
    sheet.write_bytes(b"PK not a zip")
    line = refused(tmp_path / "out", str(script), "--character", f"MARA={sheet}", "--duration", "5")
    assert "character_sheets[MARA]" in line and "is not a zip file" in line


def test_a_bad_reference_is_refused_naming_the_character(tmp_path, script):
    line = refused(tmp_path / "out", str(script), "--reference", "MARA", "--duration", "5")
    assert "reference" in line and "NAME=PICTURE" in line
    line = refused(tmp_path / "out", str(script), "--reference", "mara=nope.png")
    assert "references[MARA]" in line and "is not a file" in line
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    line = refused(tmp_path / "out", str(script), "--reference", f"MARA={junk}", "--duration", "5")
    assert "references[MARA]" in line


def test_a_drawn_reference_is_printed_to_give_back(tmp_path, script, studio_ray, tiny_models):
    out = tmp_path / "out" / "film.mp4"
    code, output = run(
        str(script),
        *("--tier", "studio", "--models", str(tiny_models), "--duration", "6"),
        *("--music", "none", "--motion", "kenburns", "-o", str(out)),
    )
    assert code == 0, output
    kept = out.with_name("film.reference-MARA.png")
    assert f"reference: MARA={kept}" in output.splitlines()
    assert Image.open(kept).format == "PNG"
