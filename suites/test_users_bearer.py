"""`GET /api/v2/users.json` with a Bearer token, walking both pagination styles.

The token is the one Create Token just returned (minted with each auth method in turn), or
the existing `ZENDESK_OAUTH_TOKEN`. Every page must be a valid `users` envelope of valid
users; offset pages follow `next_page`, cursor pages follow `links.next` while
`meta.has_more`, for at most `--zd-max-pages` pages.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.context import method_params
from zdconform.conformance.endpoints import USERS_PATH
from zdconform.http.auth import OAuthBearerAuth

MINTED_WITH = method_params("minted-with-")
STYLES = [pytest.param("offset", id="offset"), pytest.param("cursor", id="cursor")]
PAGINATION_FACT = {"offset": "F-32", "cursor": "F-33"}  # docs/facts.md


def walk_users(zd, auth, style, method):
    pages = 0
    seen = set()
    for response in zd.client.paginate(USERS_PATH, style=style, key="users", page_size=100,
                                       max_pages=zd.run.options.max_pages, auth=auth):
        body = zd.allowed(response, 200, "users_list", method="oauth_token",
                          what=f"List Users page {pages + 1} ({style}, token minted with {method})",
                          facts=(PAGINATION_FACT[style], "F-34"))
        ids = [user["id"] for user in body["users"]]
        assert not seen.intersection(ids), f"zdconform: page {pages + 1} repeats users already listed"
        seen.update(ids)
        pages += 1
    assert pages >= 1, "zdconform: List Users returned no page"
    return pages, len(seen)


@pytest.mark.zd_check("users_bearer")
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("method", MINTED_WITH)
def test_users_with_minted_token(zd, method, style):
    auth = zd.auth(method)
    if zd.expected(method) == "denied":
        pytest.skip(f"no token can be minted with {method}: the profile expects it disabled "
                    f"(test_create_token checks the refusal)")
    token = zd.mint_token(auth, method=method)
    pages, users = walk_users(zd, OAuthBearerAuth(token["full_token"]), style, method)
    zd.record.update(pages=pages, users=users)


@pytest.mark.zd_check("users_bearer")
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("method", [pytest.param("oauth_token", id="existing-oauth-token")])
def test_users_with_existing_oauth_token(zd, method, style):
    auth = zd.auth(method)
    if zd.expected(method) == "denied":
        zd.denied(zd.client.get(USERS_PATH, auth=auth), method=method, what="List Users")
        return
    pages, users = walk_users(zd, auth, style, "ZENDESK_OAUTH_TOKEN")
    zd.record.update(pages=pages, users=users)
