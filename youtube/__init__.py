"""Publishing to YouTube: the Google side only (no database, no web framework).

* `oauth`    — the web-server flow (state + PKCE), the device flow, refresh and revoke.
* `crypto`   — tokens encrypted at rest with rotatable envelope keys.
* `client`   — the YouTube Data API client, built from the discovery document in the wheel.
* `upload`   — the resumable upload in fixed chunks, retried, resumable from a stored session.
* `metadata` — the video resource: title, chapters in the description, privacy, AI disclosure.
* `publish`  — the steps after the upload: thumbnail, captions, playlist; each done once.
* `quota`    — what each call costs, and when the daily quota resets.
"""
