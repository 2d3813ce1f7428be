"""Assets: uploads judged by content, limits, listing, deletion, downloads; S3 through moto."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from serve_apps.api.main import create_app
from tests.utils.media import image_bytes, noise_png, png_bomb, truncated_png, wav_bytes
from tests.utils.platform import create_project, make_settings, register, s3_client, s3_settings


def assets_url(project: dict) -> str:
    return f"/api/v1/projects/{project['id']}/assets"


def upload(
    client,
    account,
    project,
    name: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    **headers,
):
    return client.post(
        assets_url(project),
        files={"file": (name, data, content_type)},
        headers={**account.headers, **headers},
    )


def test_images_and_audio_are_recognised_by_content(client, user, project):
    png = upload(client, user, project, "still.png", image_bytes("PNG", (320, 180)))
    assert png.status_code == 201, png.text
    assert (
        png.json() | {"kind": "image", "content_type": "image/png", "width": 320, "height": 180}
        == png.json()
    )
    disguised = upload(client, user, project, "photo.png", image_bytes("JPEG"), "image/png")
    assert (
        disguised.json()["content_type"] == "image/jpeg"
        and disguised.json()["filename"] == "photo.jpg"
    )
    track = upload(client, user, project, "track.bin", wav_bytes(1.0))
    assert track.status_code == 201
    assert track.json()["kind"] == "audio" and track.json()["content_type"] == "audio/wav"
    assert track.json()["duration_s"] == pytest.approx(1.0, abs=0.01)


def test_srt_and_webvtt_are_subtitles_assets(client, user, project):
    srt = upload(client, user, project, "film.es.txt", b"1\n00:00:00,500 --> 00:00:02,000\nHola.\n")
    assert srt.status_code == 201, srt.text
    assert srt.json() | {"kind": "subtitles", "content_type": "application/x-subrip"} == srt.json()
    assert srt.json()["filename"] == "film.es.srt"
    vtt = upload(
        client, user, project, "film.hi", "WEBVTT\n\n00:00.500 --> 00:02.000\nनमस्ते\n".encode()
    )
    assert vtt.json()["kind"] == "subtitles" and vtt.json()["content_type"] == "text/vtt"
    empty = upload(client, user, project, "empty.vtt", b"WEBVTT\n\n")
    assert empty.status_code == 422 and "no cue with text" in empty.json()["detail"][0]["msg"]


def test_other_utf8_text_is_a_translated_script(client, user, project):
    script = upload(client, user, project, "mar.es", "\ufeffEl mar.\n\nLas barcas.\n".encode())
    assert script.status_code == 201, script.text
    assert script.json() | {"kind": "text", "content_type": "text/plain"} == script.json()
    assert script.json()["filename"] == "mar.txt"
    listing = client.get(assets_url(project), headers=user.headers).json()
    assert [a["kind"] for a in listing["items"]] == ["text"]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("notes.png", b"\x89 some bytes\0 not a picture", "not a JPEG, PNG or WebP"),
        ("es.txt", b"Hola.\n\0\1\2", "is binary, not text (a NUL byte at byte 6)"),
        (
            "es.txt",
            "Año nuevo.".encode("latin-1"),
            "is not UTF-8 text (invalid continuation byte at byte 1)",
        ),
        ("es.txt", b" \n\t\n", "no line that is not blank"),
        ("broken.png", truncated_png(), "does not decode"),
        ("bomb.png", png_bomb(), "pixels; the limit is"),
        ("anim.gif", image_bytes("GIF"), "GIF images are not accepted"),
        ("empty.jpg", b"", "empty"),
    ],
    ids=[
        "unknown",
        "binary-text",
        "latin-1-text",
        "blank-text",
        "truncated",
        "bomb",
        "gif",
        "empty",
    ],
)
def test_bad_files_are_refused_naming_the_field(client, user, project, name, data, words):
    response = upload(client, user, project, name, data)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "file"] and words in detail["msg"]
    assert client.get(assets_url(project), headers=user.headers).json()["total"] == 0


def test_size_limit(tmp_path, database_url, keys_dir):
    settings = make_settings(tmp_path, database_url, keys_dir, max_upload_bytes=100_000)
    with TestClient(create_app(settings)) as client:
        user = register(client)
        project = create_project(client, user)
        # Past the body cap (limit + multipart allowance): refused before anything is parsed.
        response = upload(client, user, project, "big.png", b"\0" * (100_000 + 2 * 1024 * 1024))
        assert response.status_code == 413
        # Within the body cap but over the file limit: refused while the file is copied.
        response = upload(
            client, user, project, "medium.png", noise_png((120, 120)) + b"\0" * 100_000
        )
        assert response.status_code == 413 and "file" in response.json()["detail"]
        assert client.get(assets_url(project), headers=user.headers).json()["total"] == 0


def test_list_download_delete(client, user, project, settings):
    data = image_bytes("PNG")
    asset = upload(client, user, project, "a.png", data).json()
    upload(client, user, project, "b.wav", wav_bytes(0.5))
    listing = client.get(assets_url(project), headers=user.headers).json()
    assert listing["total"] == 2 and {a["kind"] for a in listing["items"]} == {"image", "audio"}
    content = client.get(f"{assets_url(project)}/{asset['id']}/content", headers=user.headers)
    assert content.status_code == 200 and content.content == data
    stored = list(
        (settings.media_dir / "users" / user.id / "projects" / project["id"] / "raw").rglob("*.png")
    )
    assert len(stored) == 1
    assert (
        client.delete(f"{assets_url(project)}/{asset['id']}", headers=user.headers).status_code
        == 204
    )
    assert (
        client.get(f"{assets_url(project)}/{asset['id']}", headers=user.headers).status_code == 404
    )
    assert not stored[0].exists()


def test_other_users_assets_are_404(client, user, other_user, project):
    asset = upload(client, user, project, "a.png", image_bytes()).json()
    url = f"{assets_url(project)}/{asset['id']}"
    assert client.get(url, headers=other_user.headers).status_code == 404
    assert client.get(f"{url}/content", headers=other_user.headers).status_code == 404
    assert client.delete(url, headers=other_user.headers).status_code == 404
    assert upload(client, other_user, project, "x.png", image_bytes()).status_code == 404


def test_idempotent_upload(client, user, project):
    first = upload(client, user, project, "a.png", image_bytes(), **{"Idempotency-Key": "upload-1"})
    again = upload(client, user, project, "a.png", image_bytes(), **{"Idempotency-Key": "upload-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert client.get(assets_url(project), headers=user.headers).json()["total"] == 1


def test_presigned_uploads_need_s3(client, user, project):
    ticket = client.post(
        f"{assets_url(project)}/uploads",
        json={"filename": "a.png", "size_bytes": 100},
        headers=user.headers,
    )
    assert ticket.status_code == 409


# --- S3 (moto's server on loopback) -------------------------------------------------------------


@pytest.fixture
def s3_client_app(tmp_path, render_database_url, keys_dir, s3_server, s3_bucket):
    settings = make_settings(
        tmp_path, render_database_url, keys_dir, **s3_settings(s3_server, s3_bucket)
    )
    with TestClient(create_app(settings)) as client:
        yield client, settings


def _bucket_keys(settings) -> list[str]:
    s3 = s3_client(settings.s3_endpoint_url)
    return [o["Key"] for o in s3.list_objects_v2(Bucket=settings.s3_bucket).get("Contents", [])]


def test_s3_multipart_upload_and_presigned_download(s3_client_app):
    client, settings = s3_client_app
    user = register(client)
    project = create_project(client, user)
    data = image_bytes("PNG")
    asset = upload(client, user, project, "still.png", data).json()
    assert _bucket_keys(settings) == [
        f"users/{user.id}/projects/{project['id']}/raw/{asset['id']}/still.png"
    ]
    redirect = client.get(
        f"{assets_url(project)}/{asset['id']}/content", headers=user.headers, follow_redirects=False
    )
    assert redirect.status_code == 307
    assert (
        httpx.get(redirect.headers["location"]).content == data
    )  # the presigned URL works, no token
    client.delete(f"{assets_url(project)}/{asset['id']}", headers=user.headers)
    assert _bucket_keys(settings) == []


def test_s3_presigned_put_then_confirm(s3_client_app):
    client, settings = s3_client_app
    user = register(client)
    project = create_project(client, user)
    data = image_bytes("JPEG", (640, 360))
    ticket = client.post(
        f"{assets_url(project)}/uploads",
        json={"filename": "scene.jpg", "content_type": "image/jpeg", "size_bytes": len(data)},
        headers=user.headers,
    )
    assert ticket.status_code == 201, ticket.text
    ticket = ticket.json()
    assert ticket["asset"]["status"] == "pending" and ticket["method"] == "PUT"
    early = client.post(
        f"{assets_url(project)}/{ticket['asset']['id']}/confirm", headers=user.headers
    )
    assert early.status_code == 409
    put = httpx.put(ticket["url"], content=data, headers=ticket["headers"])
    assert put.status_code == 200
    confirmed = client.post(
        f"{assets_url(project)}/{ticket['asset']['id']}/confirm", headers=user.headers
    )
    assert confirmed.status_code == 200
    assert (
        confirmed.json() | {"status": "ready", "kind": "image", "width": 640, "height": 360}
        == confirmed.json()
    )


def test_s3_presigned_upload_of_a_bad_file_is_refused_and_removed(s3_client_app):
    client, settings = s3_client_app
    user = register(client)
    project = create_project(client, user)
    ticket = client.post(
        f"{assets_url(project)}/uploads",
        json={"filename": "fake.png", "content_type": "image/png", "size_bytes": 20},
        headers=user.headers,
    ).json()
    httpx.put(ticket["url"], content=b"\0not an image at all", headers=ticket["headers"])
    refused = client.post(
        f"{assets_url(project)}/{ticket['asset']['id']}/confirm", headers=user.headers
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "file"]
    assert _bucket_keys(settings) == []
    assert client.get(assets_url(project), headers=user.headers).json()["total"] == 0
    too_big = client.post(
        f"{assets_url(project)}/uploads",
        json={"filename": "huge.png", "size_bytes": settings.max_upload_bytes + 1},
        headers=user.headers,
    )
    assert too_big.status_code == 422 and too_big.json()["detail"][0]["loc"] == [
        "body",
        "size_bytes",
    ]
