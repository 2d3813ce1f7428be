"""Stage timing from the progress callback, the job-log lines, and the summary a run prints."""

from __future__ import annotations

from rich.console import Console

from cluster.report import FilmReport, print_table, summary
from infra.progress import ProgressLines, StageClock, StageEvent, Stages, tee


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_stage_lasts_from_its_start_to_its_end():
    clock = FakeClock()
    stages = StageClock(clock)
    for t, stage, kind in [
        (0, "analysis", "start"),
        (1, "analysis", "end"),
        (1, "voices", "start"),
        (2, "voices", "progress"),
        (4, "voices", "end"),
        (4, "frames", "start"),
        (9, "frames", "end"),
        (10, "mux", "start"),
    ]:
        clock.now = t
        stages(StageEvent(stage, kind, 0.0))
    clock.now = 10.5
    assert stages.stop() == {"analysis": 1, "voices": 3, "frames": 5, "mux": 0.5}


def test_progress_lines_show_each_stage_and_every_tenth_of_the_way():
    lines: list[str] = []
    progress = tee(StageClock(), ProgressLines("pier", echo=lines.append))
    announcer = Stages({"frames": (22, 96), "mux": (96, 100)}, progress)
    with announcer.stage("frames", "frame 0") as report:
        for fraction in (0.04, 0.15, 0.25, 1.0):
            report(fraction, f"frame {fraction}")
    with announcer.stage("mux", "subtitles") as report:
        report(1, "wrote pier.mp4")
    assert lines == [
        "[pier] frames    22.0%  frame 0",
        "[pier] frames    33.1%  frame 0.15",
        "[pier] frames    96.0%  frame 1.0",
        "[pier] mux       96.0%  subtitles",
        "[pier] mux      100.0%  wrote pier.mp4",
    ]


def test_the_summary_counts_statuses_and_lists_rows_in_manifest_order():
    reports = [
        FilmReport(2, "b", "failed", reason="ValueError: boom", stage="frames", wall_s=3.0),
        FilmReport(1, "a", "done", duration=60.0, wall_s=42.0, output="s3://r/a/a.mp4"),
        FilmReport(3, None, "invalid", reason="duration: duration 900 s is outside 60–300 s"),
    ]
    data = summary(reports, manifest="m.jsonl")
    assert data["counts"] == {"failed": 1, "done": 1, "invalid": 1}
    assert [f["row"] for f in data["films"]] == [1, 2, 3]
    assert data["manifest"] == "m.jsonl"

    console = Console(record=True, width=200)
    print_table(reports, console)
    text = console.export_text()
    assert "s3://r/a/a.mp4" in text and "frames: ValueError: boom" in text
    assert "60.0 s" in text and "42.0 s" in text
    assert "1 done" in text and "1 failed" in text and "1 invalid" in text
