"""Timeline: shots timed from speech, fitted to the requested duration or refused."""

import pytest

from pipelines import timeline
from pipelines.errors import InputError
from pipelines.plan import Line, Plan, Scene, Shot


def plan_of(lines_per_shot: list[int], scenes: int = 1) -> Plan:
    shots = [
        Shot(
            f"shot {i}", [Line("NARRATOR" if j % 2 == 0 else "MARA", f"line {j}") for j in range(n)]
        )
        for i, n in enumerate(lines_per_shot)
    ]
    per = -(-len(shots) // scenes)
    return Plan(
        "t", [Scene(f"S{k}", shots[k * per : (k + 1) * per]) for k in range(scenes)], ["MARA"]
    )


def test_film_is_padded_to_exact_duration_and_lines_keep_their_length():
    plan = plan_of([2, 1, 3])
    speech = [[1.0, 2.0], [1.5], [0.5, 0.5, 0.5]]
    t = timeline.build_timeline(plan, speech, 20.0)
    assert t.duration == 20.0
    assert t.shots[0].start == 0 and t.shots[-1].end == 20.0
    assert all(a.end == pytest.approx(b.start) for a, b in zip(t.shots, t.shots[1:]))
    assert [round(tl.end - tl.start, 6) for tl in t.lines] == [1.0, 2.0, 1.5, 0.5, 0.5, 0.5]
    for tl in t.lines:  # every line is spoken inside its own shot
        shot = t.shots[tl.shot_index]
        assert shot.start <= tl.start < tl.end <= shot.end
    starts = [tl.start for tl in t.lines]
    assert starts == sorted(starts)


def test_rate_needed_speeds_up_up_to_the_limit_then_refuses_with_the_length_needed():
    plan = plan_of([4, 4])
    speech = [[3.0] * 4, [3.0] * 4]  # 24 s of speech
    natural = timeline.natural_length(plan, speech)
    assert timeline.rate_needed(plan, speech, natural + 1) == 1.0
    rate = timeline.rate_needed(plan, speech, natural - 2)
    assert 1.0 < rate <= timeline.MAX_RATE
    with pytest.raises(InputError) as err:
        timeline.rate_needed(plan, speech, 10)
    assert err.value.field == "duration" and "needs at least" in err.value.message


def test_scene_boundaries_mark_crossfades():
    t = timeline.build_timeline(plan_of([1, 1, 1, 1], scenes=2), [[1.0]] * 4, 15)
    assert t.scene_boundaries() == [t.shots[2].start]


def test_silent_card_shots_still_get_screen_time():
    plan = Plan("t", [Scene(None, [Shot("THE END", [], centered=True)])], [])
    t = timeline.build_timeline(plan, [[]], 5)
    assert t.shots[0].duration == 5
