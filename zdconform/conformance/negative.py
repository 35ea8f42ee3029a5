"""Credentials a tenant must refuse, and the steps the negative checks share.

Every "wrong" value is derived from a real one (the real API token with its last two
characters changed), so a live run needs no extra secret; where the real value is not set, a
fixed wrong one stands in. In replay the real values are placeholders and so are the derived
ones: headers are never matched, so the recorded interactions still replay. A derived value
differs from a real secret by two characters, so each is registered with the run's secrets
and never written anywhere either.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import requests
from requests.auth import AuthBase

from ..exceptions import ConformanceFailure
from ..http.auth import ApiTokenAuth, OAuthBearerAuth, PasswordAuth, ZendeskAuth, auth_for
from ..settings import AUTH_METHODS, AuthMethod, Credentials

if TYPE_CHECKING:
    from .context import Conformance

__all__ = ["GRACE_DELAYS", "HeaderAuth", "UNKNOWN_EMAIL", "admin_auth", "near_miss", "needs", "register",
           "revoke_by_id", "still_refused_after_revoke", "wrong_auth"]

UNKNOWN_EMAIL = "zdconform-unknown-user@example.invalid"
FALLBACK_PASSWORD = "zdconform-wrong-password"
FALLBACK_API_TOKEN = "zdconform0wrong0api0token".ljust(40, "0")
PUBLIC_PROBES = frozenset({FALLBACK_PASSWORD, FALLBACK_API_TOKEN})
MALFORMED = {  # Authorization values no scheme can parse
    "malformed-basic": "Basic %%zdconform-not-base64%%",
    "empty-bearer": "Bearer",
    "unknown-scheme": "Token zdconform-unknown-scheme",
    "basic-without-colon": "Basic " + base64.b64encode(b"zdconform-no-colon").decode(),
}


class HeaderAuth(ZendeskAuth):
    """Sends one fixed, deliberately malformed `Authorization` value."""

    method = "malformed"

    def __repr__(self) -> str:
        scheme = (self._header or "").partition(" ")[0]
        return f"HeaderAuth(scheme={scheme!r}, value='***')"


def near_miss(secret: str) -> str:
    """`secret` with its last two characters changed: as long as the real one, and wrong."""
    return secret[:-2] + "".join("y" if ch == "x" else "x" for ch in secret[-2:])


def needs(zd: Conformance, *keys: str, role: str = "admin") -> Credentials:
    """The role's credentials, or skip naming the variables that must be set."""
    creds = zd.run.credentials.get(role)
    if creds is None:
        pytest.skip(f"target {zd.run.target.slug} has no {role} credentials")
    missing = [creds.source.get(key, key) for key in keys if not getattr(creds, key)]
    if missing:
        pytest.skip(f"not checked: set {' and '.join(missing)} to check it")
    return creds


def register(zd: Conformance, auth: ZendeskAuth) -> ZendeskAuth:
    """Register every encoding of a derived credential as a secret; returns `auth`. A public
    probe (the fixed wrong values above) is no secret: a tenant echoing one leaks nothing."""
    if PUBLIC_PROBES & set(auth.secrets()):
        return auth
    for value in auth.secrets():
        zd.run.secrets.add(value, "a wrong credential derived from a real one")
    return auth


def wrong_auth(zd: Conformance, case: str) -> ZendeskAuth:
    """The credential a negative case sends (see suites/test_negative_auth.py)."""
    if case in MALFORMED:
        return HeaderAuth(MALFORMED[case])
    builders = {
        "wrong-password": _wrong_password, "wrong-api-token": _wrong_api_token,
        "unknown-email-password": _unknown_email_password,
        "unknown-email-api-token": _unknown_email_api_token,
        "oauth-token-as-basic": _oauth_as_basic, "api-token-as-bearer": _api_token_as_bearer,
    }
    return register(zd, builders[case](zd))


def _wrong_password(zd: Conformance) -> ZendeskAuth:
    creds = needs(zd, "email")
    return PasswordAuth(creds.email or "", near_miss(creds.password) if creds.password else FALLBACK_PASSWORD)


def _wrong_api_token(zd: Conformance) -> ZendeskAuth:
    creds = needs(zd, "email")
    return ApiTokenAuth(creds.email or "", near_miss(creds.api_token) if creds.api_token else FALLBACK_API_TOKEN)


def _unknown_email_password(zd: Conformance) -> ZendeskAuth:
    return PasswordAuth(UNKNOWN_EMAIL, needs(zd, "password").password or "")


def _unknown_email_api_token(zd: Conformance) -> ZendeskAuth:
    return ApiTokenAuth(UNKNOWN_EMAIL, needs(zd, "api_token").api_token or "")


def _oauth_as_basic(zd: Conformance) -> ZendeskAuth:
    creds = needs(zd, "email", "oauth_token")
    return ApiTokenAuth(creds.email or "", creds.oauth_token or "")  # `{email}/token:{oauth token}`


def _api_token_as_bearer(zd: Conformance) -> ZendeskAuth:
    return OAuthBearerAuth(needs(zd, "api_token").api_token or "")


def admin_auth(zd: Conformance) -> tuple[AuthMethod, AuthBase]:
    """The admin's first method that the profile enables and the environment supplies."""
    creds = needs(zd)
    enabled = [method for method in AUTH_METHODS if zd.run.profile.expects(method) == "enabled"]
    for method in enabled:
        if not creds.missing_for(method):
            zd.record["admin_method"] = method
            return method, auth_for(method, creds)
    zd.notes.method = zd.notes.method or (enabled[0] if enabled else None)  # its matrix row: the method it would use
    pytest.skip("no admin credential for a method the tenant profile enables: set "
                "ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL and ZENDESK_API_TOKEN")


class _Capture:
    """Stands in for the client so the ledger's own DELETE is seen by the check."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.response: requests.Response | None = None

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        self.response = self.client.delete(path, **kwargs)
        return self.response


def revoke_by_id(zd: Conformance, token_id: int) -> requests.Response:
    """Revoke a token this check minted through the run's ledger; the DELETE's response."""
    capture = _Capture(zd.client)
    zd.run.ledger.revoke(capture, token_id)
    if capture.response is None:
        raise ConformanceFailure(f"zdconform: token {token_id} is not one this check minted.")
    return capture.response


# After any revocation (`DELETE tokens/current.json`, `DELETE tokens/{id}`, a refresh replacing the
# pair), a real tenant is re-checked with backoff for at most sum(GRACE_DELAYS) = 7.5 s: users
# reported tokens that kept working for a moment after the 204.
GRACE_DELAYS = (0.5, 1.0, 2.0, 4.0)
CURRENT_REVOKE_REPORTS = "Zendesk community threads 4627188332186 (2022) and 5537132288282 (2023)"
REVOCATIONS = {"current": ("DELETE tokens/current.json answered 204", "F-28"),
               "by-id": ("DELETE tokens/{id}.json answered 204", "F-55"),
               "refresh": ("a refresh replaced it", "F-55")}


def still_refused_after_revoke(zd: Conformance, send: Callable[[], requests.Response],
                               how: str = "current") -> requests.Response:
    """The follow-up after a revocation (`how`: current, by-id or refresh), re-sent with backoff on a real
    tenant while it succeeds: one rule for every path.

    Against the reference emulator the first answer stands (its revocations are immediate). On a tenant,
    a token that stops working within the grace period is a deviation (F-28 for `current`, F-55 else),
    its lag reported; one that outlasts it fails as a high-severity security finding (F-03).
    """
    event, fact = REVOCATIONS[how]
    zd.rests_on(fact)
    response = send()
    if not response.ok or zd.run.target.is_reference:
        return response
    sleep, waited = zd.run.sleep or time.sleep, 0.0
    for delay in GRACE_DELAYS:
        sleep(delay)
        waited += delay
        response = send()
        if not response.ok:
            zd.notes.deviations.append(_late_revoke(waited, response.status_code, event, fact))
            zd.record["revocation_took_seconds"] = waited
            if how == "current":
                zd.record["revoke_current_took_seconds"] = waited
            return response
    zd.record["revoked_token_still_works"] = how
    zd.notes.contradicted.append("F-03")
    known = (f"the known Zendesk behaviour reported in {CURRENT_REVOKE_REPORTS} (fact F-28)" if how == "current"
             else "Zendesk documents revocation as immediate (fact F-03)")
    raise ConformanceFailure(
        f"zdconform: the revoked token still works {waited:g} s after {event}: {known}. "
        f"Security finding (high): whoever holds the token keeps access. It was re-checked {len(GRACE_DELAYS)} "
        "times with backoff; revoke it by id as an admin (`DELETE /api/v2/oauth/tokens/{id}.json`), check that it "
        "stops working, and never trust the 204 of a revoke alone.")


def _late_revoke(waited: float, status: int, event: str, fact: str) -> dict[str, Any]:
    return {"fact": fact, "expected": "401 at once", "observed": f"200 for up to {waited:g} s, then {status}",
            "status": status, "content_type": "", "body": "",
            "message": f"deviation: observed the token still working up to {waited:g} s after {event}, then "
                       f"{status}; the reference infers it stops at once [fact {fact}]"}


