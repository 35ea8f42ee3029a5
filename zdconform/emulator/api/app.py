"""The application: the route table, and the way from a parsed request to a response.

`App.handle` runs every request through faults, the rate limit, routing, authentication,
scopes and roles, then the endpoint handler, and adds Zendesk's headers. It holds one lock
around the state, the fault plan and the rate limiter, so the threads of the HTTP server can
call it concurrently; `reset` and `apply_settings` serve `clear()` and `configure()`.
"""

from __future__ import annotations

import re
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..resources import grants, oauth, users
from ..resources.clock import Clock
from ..resources.messages import (
    Request,
    Response,
    basic_401,
    forbidden_role,
    forbidden_scope,
    invalid_endpoint,
    json_response,
    server_error,
    too_many_requests,
    unavailable,
)
from ..resources.state import RECORD_CHARS, Call, Principal, State
from ..tenant.model import Settings, Tenant
from .credentials import authenticate, is_password_basic, scope_allows
from .faults import FaultHit, FaultPlan
from .ratelimit import Budget, RateLimiter

__all__ = ["ROUTES", "App", "Route"]

CACHE_CONTROL = "max-age=0, private, must-revalidate"
_FAMILIES = {"2024": ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
             "2023": ("rate-limit", "rate-limit-remaining", "rate-limit-reset")}
ADMINS, STAFF = ("admin",), ("admin", "agent")
_WINDOW = 60


@dataclass(frozen=True)
class Route:
    """An endpoint: method, path pattern (`.json` optional), handler and who may call it."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Call], Response]
    roles: tuple[str, ...] = ()
    resource: str | None = None
    anonymous: bool = False
    own_auth: bool = False  # the handler authenticates the caller itself (the OAuth client)


def _route(method: str, path: str, handler: Callable[[Call], Response],
           roles: tuple[str, ...] = (), resource: str | None = None,
           anonymous: bool = False, own_auth: bool = False) -> Route:
    regex = "^" + path.replace("{id}", r"(?P<id>[^/]+?)") + r"(?:\.json)?$"
    return Route(method, re.compile(regex), handler, roles, resource, anonymous, own_auth)


ROUTES = (
    _route("GET", "/api/v2/oauth/clients", oauth.list_clients, ADMINS),
    _route("GET", "/api/v2/users/me/oauth/clients", oauth.list_clients, ADMINS),
    _route("POST", "/api/v2/oauth/tokens", oauth.create_token, ADMINS),
    _route("GET", "/api/v2/oauth/tokens", oauth.list_tokens, ADMINS),
    _route("GET", "/api/v2/oauth/tokens/{id}", oauth.show_token),
    _route("DELETE", "/api/v2/oauth/tokens/{id}", oauth.revoke_token),
    _route("GET", "/api/v2/users", users.list_users, STAFF, "users"),
    _route("GET", "/api/v2/users/me", users.show_me, (), "users", anonymous=True),
    _route("POST", "/oauth/tokens", grants.token_grant, own_auth=True),
    _route("POST", grants.TEST_ONLY_CODES, grants.test_only_code, own_auth=True),  # the emulator's test door
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for `method` and `path` (HEAD routes as GET), with its path parameters."""
    wanted = "GET" if method == "HEAD" else method
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and route.method == wanted:
            return route, found.groupdict()
    return None


class App:
    """One emulator's request logic, state, fault plan and rate limiter, behind one lock."""

    def __init__(self, tenant: Tenant, clock: Clock) -> None:
        self.lock = threading.Lock()
        self.state = State(tenant, clock)
        self.limiter = RateLimiter()
        self.faults = FaultPlan(self.state.settings.faults)

    def reset(self) -> None:
        """Back to the tenant as loaded: state, rate-limit window, fault counters and draws."""
        self.state.reset()
        self.limiter = RateLimiter()
        self.faults = FaultPlan(self.state.settings.faults)

    def apply_settings(self, settings: Settings) -> None:
        """Switch settings at run time; changed faults are re-armed from their start."""
        if settings.faults != self.state.settings.faults:
            self.faults = FaultPlan(settings.faults)
        self.state.settings = settings

    def handle(self, request: Request) -> Response:
        """Answer one request; an exception is recorded for `check()` and answered with 500."""
        with self.lock:
            try:
                response = self._handle(request)
            except Exception:  # noqa: BLE001 - any bug must reach check(), not kill the thread
                self.state.errors.append(f"{request.method} {request.target[:RECORD_CHARS]}\n"
                                         f"{traceback.format_exc()[-RECORD_CHARS:]}")
                response = server_error()
            self.state.log.append((request.method[:16], request.target[:RECORD_CHARS], response.status))
        return response

    def _handle(self, request: Request) -> Response:
        state = self.state
        state.requests += 1
        hit = self.faults.evaluate(request.method, request.path)
        limit = state.settings.rate_limit_per_minute
        if hit is not None and hit.status is not None:
            response, budget = _fault_response(hit), self.limiter.peek(limit)
            per_minute = hit.status == 429 and hit.body == "text"  # an endpoint's JSON 429 leaves budget
            budget = replace(budget, remaining=0) if per_minute else budget
        else:
            budget = self.limiter.take(limit)
            response = self._dispatch(request) if budget.allowed else \
                too_many_requests(budget.reset)
        if hit is not None:
            response.delay, response.reset_after = hit.delay, hit.reset_after
        if response.status == 401 and state.settings.misbehave.nonstandard_401:
            response = json_response(401, {"message": "Unauthorized"})  # not a body Zendesk sends
        self._decorate(response, budget)
        return response

    def _dispatch(self, request: Request) -> Response:
        found = match(request.method, request.path)
        if found is None:
            return invalid_endpoint(self.state.settings.not_found)
        route, params = found
        base = self.state.settings.link_base_url or f"http://{request.host}"
        if route.own_auth:
            return route.handler(Call(self.state, request, None, params, base))
        header = request.headers.get("authorization")
        misbehave = self.state.settings.misbehave
        if misbehave.second_authorization_wins and header is not None:
            header = header.rsplit(", ", 1)[-1]  # of two fields (lines, or combined with ", "), the last
        if misbehave.non_ascii_header_500 and header is not None and not header.isascii():
            return server_error()
        who = authenticate(self.state, header)
        if isinstance(who, Response) and route.anonymous and is_password_basic(header) \
                and not self.state.settings.password_access:
            who = None  # password access is gone: users/me ignores a password and answers anonymously
        if isinstance(who, Response):
            return who
        if who is None and not route.anonymous:
            return basic_401()
        if who is not None:
            if who.token is not None:
                who.token.used_at = self.state.clock.stamp()
            denied = self._authorize(route, request.method, who)
            if denied is not None:
                return denied
        return route.handler(Call(self.state, request, who, params, base))

    def _authorize(self, route: Route, method: str, who: Principal) -> Response | None:
        access = "read" if method in ("GET", "HEAD") else "write"
        wording = self.state.settings.forbidden_wording
        if who.token is not None and not scope_allows(who.token.scopes, access, route.resource):
            return forbidden_scope(access, wording)
        lenient = self.state.settings.misbehave.agents_are_admins
        if route.roles and who.user.role not in route.roles and not lenient:
            return forbidden_role(wording)
        return None

    def _decorate(self, response: Response, budget: Budget) -> None:
        limit, remaining = str(budget.limit), str(budget.remaining)
        family = _FAMILIES[self.state.settings.rate_limit_headers]
        newer = (remaining, str(budget.reset))
        if not self.state.settings.rate_limit_agree:  # the families sampled apart, as in 2024 recordings
            newer = (str(max(0, budget.remaining - 1)), str(_WINDOW))
        response.headers = [
            *response.headers,
            ("X-Rate-Limit", limit), ("X-Rate-Limit-Remaining", remaining),
            (family[0], limit), (family[1], newer[0]), (family[2], newer[1]),
            ("x-zendesk-api-version", "v2"),
            ("x-request-id", f"zdemu-{self.state.requests:010d}"),
            ("cache-control", CACHE_CONTROL),
        ]


def _fault_response(hit: FaultHit) -> Response:
    if hit.status == 429:
        return too_many_requests(hit.retry_after, endpoint=hit.body == "json")
    return unavailable(hit.retry_after)
