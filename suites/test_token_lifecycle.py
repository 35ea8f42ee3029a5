"""An OAuth token's life: create, show, use, revoke, and the refusal that must follow.

- `revoke-by-id`: Create Token (201) -> `GET tokens/{id}` as the admin and
  `GET tokens/current` with the token itself (200, schema `token_response`, the same id, the
  `token` field truncated to at most 10 characters, a prefix of `full_token`, and no
  `full_token`) -> `GET users/me` with the token (200, the token's own user) -> `DELETE
  tokens/{id}` (204) -> `GET users.json` with the token: 401 with the Bearer body and challenge.
- `revoke-current`: Create Token -> `GET users/me` -> `DELETE tokens/current.json` with the
  token itself (204) -> the same follow-up: 401. The 204 alone is never trusted: users reported
  in 2022 and 2023 that it came back while the token kept working (fact F-28, inferred). On a
  real tenant a follow-up that still succeeds is re-sent with backoff (0.5, 1, 2, 4 s: at most
  7.5 s, `negative.GRACE_DELAYS`); a token refused within that grace period is a recorded
  deviation, one still working after it fails as a high-severity security finding that names
  the platform behaviour and its sources. Against the reference emulator the revoke is exact.

Facts: F-21 (create), F-26 (show), F-30 (users/me with the token), F-27 (204), F-03 and F-05
(the revoked token is refused with the bearer 401), F-29 (expires_at).

Expiry: every check records the created token's `expires_at` (`token_expires_at`, null when it
never expires, a policy finding) and, when it has one, `token_lapses_in_seconds`: the seconds
from creation to expiry by the tenant's own clock; `expires_at` must be later than
`created_at`, and Show must report the same value as Create.

Per profile: the token is minted with the admin's first method the profile enables (skipped
when there is none); the lifecycle itself is OAuth, so the check is skipped when the profile
disables OAuth. After a `current` revoke the run's ledger still revokes the token by id when
the check ends (a 404 then: already gone), so a 204 that revoked nothing leaves no token behind.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zdconform.conformance.endpoints import CURRENT_TOKEN_PATH, ME_PATH, USERS_PATH, token_path
from zdconform.conformance.negative import admin_auth, revoke_by_id, still_refused_after_revoke
from zdconform.http.auth import OAuthBearerAuth

SHOWN_CHARS = 10
FLOWS = [
    pytest.param("oauth_token", "by-id", id="revoke-by-id"),
    pytest.param("oauth_token", "current", id="revoke-current"),
]


def show(zd, path, auth, token, how):
    shown = zd.allowed(zd.client.get(path, auth=auth), 200, "token_response", method="oauth_token",
                       what=f"Show Token ({how})", facts=("F-26",))["token"]
    assert shown["id"] == token["id"], f"zdconform: Show Token ({how}) returned token {shown['id']}, not {token['id']}"
    assert "full_token" not in shown, f"zdconform: Show Token ({how}) must not return `full_token`"
    truncated = len(shown["token"]) <= SHOWN_CHARS and token["full_token"].startswith(shown["token"])
    assert truncated, (  # compared outside the assert: introspection must never print a token
        f"zdconform: Show Token ({how}) must show only the first {SHOWN_CHARS} characters of the token")
    assert shown.get("expires_at") == token.get("expires_at"), (
        f"zdconform: Show Token ({how}) reports expires_at {shown.get('expires_at')!r}, "
        f"Create Token reported {token.get('expires_at')!r}")


def use(zd, bearer, token):
    me = zd.allowed(zd.client.get(ME_PATH, auth=bearer), 200, "user_response", method="oauth_token",
                    what="users/me with the new token", facts=("F-30",))["user"]
    assert me["id"] == token["user_id"], (
        f"zdconform: the token authenticates as user {me['id']}, but Create Token says {token['user_id']}")


def record_expiry(zd, token):
    zd.rests_on("F-29")
    expires = token.get("expires_at")
    if expires is None:
        return
    lapse = (_parse(expires) - _parse(token["created_at"])).total_seconds()
    assert lapse > 0, f"zdconform: the token expires ({expires}) no later than it was created ({token['created_at']})"
    zd.record["token_lapses_in_seconds"] = int(lapse)


def _parse(stamp):
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def follow_up(zd, bearer):
    return zd.client.get(USERS_PATH, params={"page[size]": 1}, auth=bearer)


@pytest.mark.zd_check("token_lifecycle")
@pytest.mark.parametrize(("method", "flow"), FLOWS)
def test_token_lifecycle(zd, method, flow):
    if zd.run.profile.expects(method) == "disabled":
        pytest.skip("the profile expects OAuth disabled: no OAuth token can be used")
    minted_with, admin = admin_auth(zd)
    token = zd.mint_token(admin, method=minted_with)
    record_expiry(zd, token)
    bearer = OAuthBearerAuth(token["full_token"])
    if flow == "by-id":
        show(zd, token_path(token['id']), admin, token, "by id")
        show(zd, CURRENT_TOKEN_PATH, bearer, token, "current")
    use(zd, bearer, token)
    revoked = revoke_by_id(zd, token["id"]) if flow == "by-id" else zd.client.delete(CURRENT_TOKEN_PATH, auth=bearer)
    zd.record["revoke_status"] = revoked.status_code
    zd.rests_on("F-27")
    assert revoked.status_code == 204, f"zdconform: revoking the token ({flow}) answered {revoked.status_code}, not 204"
    after = still_refused_after_revoke(zd, lambda: follow_up(zd, bearer), flow)  # one rule, every path
    if after.ok:
        zd.record["revoked_token_still_works"] = flow
    zd.refused(after, 401, "error_401_bearer", challenge="Bearer", method=method, security="F-03", shape="F-05",
               what=f"List Users with a token revoked ({flow}) and answered 204",
               cause="The revoked token still works: the revoke answered 204 but did not revoke it. "
                     "Revoke it by id as an admin, and do not trust the 204 of a revoke.")
    if flow == "current" and after.status_code == 401:
        zd.gone(token["id"])  # refused after its own revoke: revoking it again by id would answer 404
