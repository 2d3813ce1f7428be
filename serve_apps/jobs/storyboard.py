"""A project's storyboard as a document: made from a storyboard job's plan, turned back into the
plan a render takes as it is.

    {"title", "mood", "format", "title_page", "scenes": [
        {"heading", "number", "transition", "shots": [
            {"id", "description", "centered", "prompt", "camera", "verse",
             "asset_id": the user's picture (an image asset's id) or None (the studio's own),
             "still_key": the shot's still in storage, or None until it is redrawn,
             "lines": [{"speaker", "text", "parenthetical", "extension", "dual"}]}]}]}

A shot's `id` stays with it through edits and reorders (a redrawn still finds its shot by it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pipelines.plan import DRAWN, NARRATOR

LINE_FIELDS = ("speaker", "text", "parenthetical", "extension", "dual")
SHOT_FIELDS = ("description", "centered", "prompt", "camera", "verse")
SCENE_FIELDS = ("heading", "number", "transition")


def new_shot_id() -> str:
    return uuid.uuid4().hex[:12]


def document_of(
    plan: dict[str, Any], pictures: list[str | None], stills: list[str | None]
) -> dict[str, Any]:
    """The document of a plan (`dataclasses.asdict(Plan)`), with each shot's picture (an asset
    id or None) and still key, in shot order."""
    shots = iter(zip(pictures, stills, strict=True))
    scenes = []
    for scene in plan["scenes"]:
        out = {name: scene.get(name) for name in SCENE_FIELDS}
        out["shots"] = []
        for shot in scene["shots"]:
            asset_id, still = next(shots)
            out["shots"].append(
                {
                    "id": new_shot_id(),
                    **{name: shot.get(name) for name in SHOT_FIELDS},
                    "asset_id": asset_id,
                    "still_key": still,
                    "lines": [
                        {name: line.get(name) for name in LINE_FIELDS} for line in shot["lines"]
                    ],
                }
            )
        scenes.append(out)
    return {
        "title": plan["title"],
        "mood": plan.get("mood", "calm"),
        "format": plan.get("format", "fountain"),
        "title_page": plan.get("title_page", {}),
        "scenes": scenes,
    }


def plan_of(document: dict[str, Any], image_name: Callable[[str], str]) -> dict[str, Any]:
    """The plan (as `pipelines.plan.Plan` fields) that renders `document` exactly: each shot
    names its picture (`image_name(asset_id)`, or DRAWN for the studio's own)."""
    scenes = [
        {
            **{name: scene.get(name) for name in SCENE_FIELDS},
            "image": None,
            "shots": [
                {
                    **{name: shot.get(name) for name in SHOT_FIELDS},
                    "image": image_name(shot["asset_id"]) if shot.get("asset_id") else DRAWN,
                    "lines": [
                        {name: line.get(name) for name in LINE_FIELDS} for line in shot["lines"]
                    ],
                }
                for shot in scene["shots"]
            ],
        }
        for scene in document["scenes"]
    ]
    return {
        "title": document["title"],
        "scenes": scenes,
        "characters": characters(document),
        "title_page": document.get("title_page", {}),
        "mood": document.get("mood", "calm"),
        "format": document.get("format", "fountain"),
    }


def shots(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [shot for scene in document["scenes"] for shot in scene["shots"]]


def characters(document: dict[str, Any]) -> list[str]:
    """Every speaker but the narrator, in order of first line (a voice is cast for each)."""
    speakers = (line["speaker"] for shot in shots(document) for line in shot["lines"])
    return list(dict.fromkeys(s for s in speakers if s != NARRATOR))
