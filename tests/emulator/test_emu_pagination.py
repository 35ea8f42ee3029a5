"""Offset and cursor pagination, walked to the end on users, clients and tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from zdconform.emulator import default_tenant

USERS = len(default_tenant().all_users)
CLIENTS = len(default_tenant().clients)


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def walk_offset(call, path: str, key: str, auth: str = "admin-api-token"):
    ids, pages, url, body = [], 0, path, {}
    while url:
        body = call("GET", url, auth).json()
        ids += [item["id"] for item in body[key]]
        pages += 1
        url = relative(body["next_page"]) if body["next_page"] else None
    return ids, pages, body


def walk_cursor(call, path: str, key: str, direction: str = "next"):
    ids, pages, url = [], 0, path
    while url:
        body = call("GET", url, "admin-api-token").json()
        ids += [item["id"] for item in body[key]]
        pages += 1
        link = body["links"][direction]
        assert body["meta"]["has_more"] == (link is not None)
        url = relative(link) if link else None
    return ids, pages


@pytest.mark.parametrize(("path", "key", "total", "pages"), [
    pytest.param("/api/v2/users.json", "users", USERS, 3, id="users-default-size"),
    pytest.param("/api/v2/users.json?per_page=37", "users", USERS, 8, id="users-per-page-37"),
    pytest.param("/api/v2/oauth/clients.json?per_page=1", "clients", CLIENTS, CLIENTS,
                 id="clients-per-page-1"),
    pytest.param("/api/v2/oauth/tokens.json?all=true&per_page=2", "tokens", 5, 3,
                 id="tokens-all-per-page-2"),
])
def test_offset_walk_reaches_every_record_once(call, path, key, total, pages):
    ids, walked, last = walk_offset(call, path, key)
    assert (len(ids), len(set(ids)), walked) == (total, total, pages)
    assert last["count"] == total and last["next_page"] is None


@pytest.mark.parametrize(("path", "key", "total", "pages"), [
    pytest.param("/api/v2/users.json?page[size]=100", "users", USERS, 3, id="users-size-100"),
    pytest.param("/api/v2/users.json?page[size]=41", "users", USERS, 7, id="users-size-41"),
    pytest.param("/api/v2/oauth/clients.json?page[size]=1", "clients", CLIENTS, CLIENTS,
                 id="clients-size-1"),
    pytest.param("/api/v2/users/me/oauth/clients?page[size]=2", "clients", CLIENTS, 2,
                 id="clients-alias-size-2"),
])
def test_cursor_walk_reaches_every_record_once(call, path, key, total, pages):
    ids, walked = walk_cursor(call, path, key)
    assert (len(ids), len(set(ids)), walked) == (total, total, pages)
    assert ids == sorted(ids)


def test_cursor_walk_backwards_from_the_end_gives_the_same_records(call):
    forward, _ = walk_cursor(call, "/api/v2/users.json?page[size]=50", "users")
    first = call("GET", "/api/v2/users.json?page[size]=50", "admin-api-token").json()
    last_page = call("GET", relative(first["links"]["next"]), "admin-api-token").json()
    while last_page["links"]["next"]:
        last_page = call("GET", relative(last_page["links"]["next"]), "admin-api-token").json()
    backward, _ = walk_cursor(call, relative(last_page["links"]["prev"]), "users", "prev")
    tail = [user["id"] for user in last_page["users"]]
    assert sorted(backward) + tail == forward


def test_offset_pages_link_back(call):
    body = call("GET", "/api/v2/users.json?page=2&per_page=10", "admin-api-token").json()
    assert body["previous_page"].endswith("/api/v2/users.json?page=1&per_page=10")
    assert body["next_page"].endswith("/api/v2/users.json?page=3&per_page=10")


def test_first_cursor_page_has_no_prev_link(call):
    body = call("GET", "/api/v2/users.json?page[size]=5", "admin-api-token").json()
    assert body["links"]["prev"] is None and body["meta"]["has_more"] is True
    assert body["meta"]["after_cursor"].startswith("eyJvIjoiaWQiLCJ2Ijoi")


def test_filters_survive_in_links(call):
    body = call("GET", "/api/v2/users.json?role=agent&page[size]=3", "admin-api-token").json()
    assert "role=agent" in body["links"]["next"]
    assert {user["role"] for user in body["users"]} == {"agent"}


@pytest.mark.parametrize(("query", "status"), [
    pytest.param("page=101", 400, id="page-101-of-100"),
    pytest.param("page=201&per_page=50", 400, id="page-201-of-50"),
    pytest.param("page=10001&per_page=1", 400, id="record-10001"),
    pytest.param("page=100", 200, id="page-100-is-the-last-allowed"),
    pytest.param("page=10000&per_page=1", 200, id="record-10000-is-allowed"),
])
def test_offset_pagination_stops_at_10000_records(call, query, status):
    response = call("GET", f"/api/v2/users.json?{query}", "admin-api-token")
    assert response.status_code == status
    if status == 400:
        assert response.json()["errors"][0]["code"] == "InvalidPaginationDepth"


def test_cursor_pagination_has_no_depth_limit(call):
    response = call("GET", "/api/v2/users.json?page[size]=100&page[after]=", "admin-api-token")
    assert response.status_code == 200


@pytest.mark.parametrize(("query", "size"), [
    pytest.param("per_page=500", 100, id="per-page-capped"),
    pytest.param("page[size]=500", 100, id="page-size-capped"),
    pytest.param("per_page=0", 1, id="per-page-at-least-1"),
    pytest.param("per_page=lots", 100, id="per-page-not-a-number"),
])
def test_page_sizes_are_clamped(call, query, size):
    body = call("GET", f"/api/v2/users.json?{query}", "admin-api-token").json()
    assert len(body["users"]) == size


@pytest.mark.parametrize("parameter", ["page[after]", "page[before]"])
def test_foreign_cursors_are_400(call, parameter):
    response = call("GET", f"/api/v2/users.json?{parameter}=bm90LWEtY3Vyc29y",
                    "admin-api-token")
    assert response.status_code == 400
    assert response.json() == {"error": "InvalidPaginationParameter",
                               "description": f"{parameter} is not a valid cursor"}


def test_links_follow_the_host_header(call):
    body = call("GET", "/api/v2/users.json", "admin-api-token",
                headers={"Host": "obscura.zendesk.test:8080"}).json()
    assert body["next_page"].startswith("http://obscura.zendesk.test:8080/api/v2/users.json")
    assert body["users"][0]["url"].startswith("http://obscura.zendesk.test:8080/")


def test_link_base_url_overrides_the_host(emulator, call):
    emulator.configure(link_base_url="https://obscura.zendesk.com/")
    body = call("GET", "/api/v2/oauth/clients.json?page[size]=1", "admin-api-token").json()
    assert body["links"]["next"].startswith("https://obscura.zendesk.com/api/v2/oauth/clients")
    client_url = body["clients"][0]["url"]
    assert client_url == "https://obscura.zendesk.com/api/v2/oauth/clients/50328.json"


def test_past_the_end_is_an_empty_page(call):
    body = call("GET", "/api/v2/users.json?page=50", "admin-api-token").json()
    assert (body["users"], body["next_page"], body["count"]) == ([], None, USERS)
