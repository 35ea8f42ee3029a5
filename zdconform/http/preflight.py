"""Preflight: before any check of a live tenant, prove that the run can mean something.

One unauthenticated `GET /api/v2/users/me.json` proves the host answers and is Zendesk-like
(Zendesk answers it with a JSON `user`, the anonymous one); then one request per supplied admin
credential proves it authenticates, or is refused where the profile expects its method
disabled. Each failure is one paragraph and its own exit code (`EXIT_CODES`), so CI can tell a
DNS typo from a revoked token. Nothing here is recorded: it runs before any cassette is open.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

import requests
import urllib3.exceptions

from ..exceptions import PreflightError, TransportError
from ..settings import AUTH_METHODS, AuthMethod, Credentials, Profile
from .auth import auth_for
from .client import RetryPolicy, ZendeskClient

__all__ = ["EXIT_CODES", "preflight"]

ME_PATH = "/api/v2/users/me.json"
EXIT_CODES = {"dns": 10, "unreachable": 11, "tls": 12, "not-zendesk": 13, "refused": 14}


def preflight(base_url: str, profile: Profile, admin: Credentials, *,
              session: requests.Session | None = None) -> list[str]:
    """Check the target and each supplied admin credential; one line per finding, or raise."""
    # 429/503 wait for Retry-After as in the run; a transport error is reported at once
    with ZendeskClient(base_url, retry=RetryPolicy(transport_retries=0), timeout=(5, 20), session=session) as client:
        anonymous = _get(client, base_url, None)
        if not _zendesk_like(anonymous):
            raise PreflightError(
                f"{base_url} answered `GET {ME_PATH}` with {anonymous.status_code} "
                f"({anonymous.headers.get('Content-Type') or 'no Content-Type'}), not with Zendesk's JSON "
                "`user`: it does not look like a Zendesk tenant. Check `--zd-target` / ZENDESK_TARGET "
                "(the tenant's base URL, such as https://SUBDOMAIN.zendesk.com). Nothing was run or recorded.",
                exit_code=EXIT_CODES["not-zendesk"])
        lines = [f"preflight: {base_url} answers as Zendesk"]
        outcomes = [_credential(client, base_url, profile, admin, method)
                    for method in AUTH_METHODS if not admin.missing_for(method)]  # the credentials supplied
    refused = [line for accepted, unexpected, line in outcomes if unexpected]
    if refused and not any(accepted for accepted, _, _ in outcomes):
        raise PreflightError(
            f"{base_url} refused every credential the profile {profile.name!r} expects to work: "
            f"{'; '.join(refused)}. They are wrong, revoked, or belong to another tenant (or the tenant "
            "disabled the method: then say so in the profile's `expect`). Fix the variables and run again. "
            "Nothing was run or recorded.", exit_code=EXIT_CODES["refused"])
    # One credential refused while another authenticates is the tenant's policy, not a typo: the
    # checks run, and the refused method's failures say why.
    return lines + [line if not unexpected else f"preflight: {line}, although the profile expects it enabled: "
                    "its checks will say why" for _, unexpected, line in outcomes]


def _credential(client: ZendeskClient, base_url: str, profile: Profile, admin: Credentials,
                method: AuthMethod) -> tuple[bool, bool, str]:
    """(authenticated, refused although expected enabled, what happened)."""
    variables = " with ".join(admin.source.get(k, k) for k in _needs(method))
    response = _get(client, base_url, auth_for(method, admin))
    accepted = response.status_code == 200 and _user_id(response) is not None
    # users/me answers a credential it does not accept with the anonymous user (fact F-31): a refusal
    anonymous = response.status_code == 200 and _is_anonymous(response)
    refused = response.status_code in (401, 403) or anonymous
    status = "200, the anonymous user" if anonymous else str(response.status_code)
    expected = profile.expects(method)
    if accepted or (expected == "disabled" and refused):
        verb = "authenticates" if accepted else f"is refused ({status}), as the profile expects"
        return accepted, False, f"preflight: {method} ({variables}) {verb}"
    if not refused:
        raise PreflightError(f"{base_url} answered `GET {ME_PATH}` with {method} ({variables}) with "
                             f"{response.status_code}, neither a user nor a refusal: the tenant is unavailable or "
                             "not Zendesk. Try again later, or check `--zd-target`. Nothing was run or recorded.",
                             exit_code=EXIT_CODES["unreachable"])
    return False, True, f"{method} ({variables}) is refused ({status})"


def _needs(method: str) -> tuple[str, ...]:
    return {"oauth_token": ("oauth_token",), "api_token": ("api_token", "email"),
            "password": ("password", "email")}[method]


def _get(client: ZendeskClient, base_url: str, auth: Any) -> requests.Response:
    try:
        return client.get(ME_PATH, auth=auth)
    except TransportError as exc:
        kind, detail = classify(exc.__cause__ or exc)
        raise PreflightError(_unreachable(kind, base_url, detail), exit_code=EXIT_CODES[kind]) from None


def classify(error: BaseException) -> tuple[str, str]:
    """`("dns" | "tls" | "unreachable", what happened)` for a transport error."""
    chain = _causes(error)
    if any(isinstance(e, requests.exceptions.SSLError | urllib3.exceptions.SSLError) for e in chain):
        return "tls", "the TLS handshake failed (certificate or protocol)"
    if any(isinstance(e, urllib3.exceptions.NameResolutionError | socket.gaierror) for e in chain):
        return "dns", "its name does not resolve (DNS)"
    if any(isinstance(e, requests.exceptions.Timeout | TimeoutError) for e in chain):
        return "unreachable", "it did not answer in time"
    return "unreachable", "the connection was refused or dropped"


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and every error behind it: causes, contexts, wrapped args, urllib3's `reason`."""
    found: list[BaseException] = []
    todo: list[Any] = [error]
    while todo:
        current = todo.pop()
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        todo += [*getattr(current, "args", ()), getattr(current, "reason", None),
                 current.__cause__, current.__context__]
    return found


_FIXES: Mapping[str, str] = {
    "dns": "Check the subdomain in `--zd-target` / ZENDESK_TARGET, and the machine's DNS.",
    "tls": "Check the URL's host (a proxy or an intercepting gateway may present another certificate) and "
           "the CA bundle (REQUESTS_CA_BUNDLE).",
    "unreachable": "Check the URL, the network and any proxy (HTTPS_PROXY) between this machine and the tenant.",
}


def _unreachable(kind: str, base_url: str, detail: str) -> str:
    return f"Cannot reach {base_url}: {detail}. {_FIXES[kind]} Nothing was run or recorded."


def _zendesk_like(response: requests.Response) -> bool:
    body = _json(response)
    return isinstance(body, dict) and (isinstance(body.get("user"), dict) or "error" in body)


def _user_id(response: requests.Response) -> Any:
    body = _json(response)
    user = body.get("user") if isinstance(body, dict) else None
    return user.get("id") if isinstance(user, dict) else None


def _is_anonymous(response: requests.Response) -> bool:
    body = _json(response)
    user = body.get("user") if isinstance(body, dict) else None
    return isinstance(user, dict) and user.get("id") is None


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None

