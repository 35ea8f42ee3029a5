"""With a frozen clock, a fresh emulator answers the same requests with the same bytes."""

from __future__ import annotations

import requests

from zdconform.emulator import ZendeskEmulator

from emu_support import send

HOST = {"Host": "obscura.zendesk.test"}
SEED = {"token": {"client_id": "50328", "scopes": ["read", "write"]}}


def _session_transcript(emulator: ZendeskEmulator) -> list[tuple[int, str]]:
    seen: list[requests.Response] = []
    with requests.Session() as session:
        def go(method: str, path: str, auth: str | None = None, **kwargs) -> requests.Response:
            response = send(session, emulator.url, method, path, auth, headers=HOST, **kwargs)
            seen.append(response)
            return response

        token = go("POST", "/api/v2/oauth/tokens.json", "admin-api-token", json=SEED)
        full = token.json()["token"]["full_token"]
        bearer = f"Bearer {full}"
        go("GET", "/api/v2/oauth/clients.json?page[size]=2", bearer)
        go("GET", "/api/v2/users.json?page=2&per_page=30", bearer)
        cursor = go("GET", "/api/v2/users.json?page[size]=25", bearer).json()["links"]["next"]
        go("GET", cursor.split("obscura.zendesk.test", 1)[1], bearer)
        go("GET", "/api/v2/users/me.json", bearer)
        go("GET", "/api/v2/oauth/tokens/current.json", bearer)
        go("GET", "/api/v2/oauth/tokens.json?all=true", "admin-api-token")
        go("DELETE", "/api/v2/oauth/tokens/current.json", bearer)
        go("GET", "/api/v2/users.json", bearer)
        go("POST", "/api/v2/oauth/tokens.json", "admin-api-token", json={"token": {}})
    return [(r.status_code, r.text.replace(full, "FULL").replace(full[:10], "SHORT"))
            for r in seen]


def test_fresh_instances_answer_byte_identical_bodies():
    transcripts = []
    for _ in range(2):
        with ZendeskEmulator(frozen_time="2024-05-01T12:00:00Z") as emulator:
            transcripts.append(_session_transcript(emulator))
    assert transcripts[0] == transcripts[1]
    assert "2024-05-01T12:00:00Z" in transcripts[0][0][1]


def test_clear_gives_the_same_transcript_again():
    with ZendeskEmulator(frozen_time="2024-05-01T12:00:00Z") as emulator:
        first = _session_transcript(emulator)
        emulator.clear()
        assert _session_transcript(emulator) == first
