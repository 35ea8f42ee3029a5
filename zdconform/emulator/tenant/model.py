"""The tenant model: immutable records for OAuth clients, tokens, settings and the `Tenant`.

A `Tenant` is what a tenant file describes, after validation and with every default applied;
its users are `people.User` records, the explicit ones plus any generated filler users. It never
changes while a server runs; what requests change (tokens created or revoked, rate-limit
windows, fault counters) lives in `resources.state.State` and `api.app.App`, and `clear()`
resets it from the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .people import User, generate_users

__all__ = [
    "CLIENT_KINDS",
    "FAULT_KINDS",
    "HTTP_METHODS",
    "MISBEHAVIOURS",
    "RATE_LIMIT_HEADER_FAMILIES",
    "VARIANTS",
    "ROLES",
    "Client",
    "Fault",
    "GeneratedUsers",
    "Misbehave",
    "Settings",
    "Tenant",
    "Token",
]

ROLES = ("admin", "agent", "end-user")
CLIENT_KINDS = ("confidential", "public")
FAULT_KINDS = ("latency", "rate_limit", "unavailable", "reset")
RATE_LIMIT_HEADER_FAMILIES = ("2024", "2023")
MISBEHAVIOURS = ("accept_wrong_password", "agents_are_admins", "revoke_is_noop", "nonstandard_401",
                 "accept_wrong_client_secret", "refresh_without_rotation", "expired_tokens_work",
                 "accept_token_prefix", "case_insensitive_tokens", "non_ascii_header_500", "second_authorization_wins",
                 "password_trailing_whitespace")
# Tenant variants: each plausible real behaviour where the facts are unsure; the first is the default.
VARIANTS = {
    "empty_bearer": ("bearer", "basic"),
    "forbidden_wording": ("2025", "2026"),
    "error_bodies": ("json", "text"),
    "empty_scopes": ("refuse", "accept"),
    "revoke_current": ("immediate", "delayed"),
    "not_found": ("record", "endpoint", "empty"),
    "first_page_prev": ("null", "link"),
    "password_challenge": ("basic", "none"),
    "revocation": ("immediate", "delayed"),
    "refresh_refusal": ("400", "401"),
    "grant_answers": ("2026", "legacy"),
    "wire": ("plain", "compressed"),
}
FAULT_BODIES = ("text", "json")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Client:
    """An OAuth client (`/api/v2/oauth/clients`); `id` is what Create Token takes as `client_id`."""

    id: int
    user_id: int
    name: str
    identifier: str
    kind: str = "confidential"
    company: str | None = None
    description: str | None = None
    redirect_uri: tuple[str, ...] = ()
    secret: str | None = None
    global_: bool = False
    allowed_scopes: tuple[str, ...] | None = None  # grant-type requests outside them: 400 invalid_scope
    logo_url: str | None = None
    created_at: str = "2023-04-12T09:30:00Z"
    updated_at: str = "2023-04-12T09:30:00Z"


@dataclass(frozen=True)
class Token:
    """An OAuth access token that exists before the server starts."""

    id: int
    user_id: int
    client_id: int
    token: str
    scopes: tuple[str, ...]
    created_at: str = "2024-01-15T08:00:00Z"
    expires_at: str | None = None
    used_at: str | None = None
    revoked: bool = False


@dataclass(frozen=True)
class Fault:
    """One injected fault; see docs/emulator.md, "Fault injection"."""

    kind: str
    start: int = 1
    count: int | None = None
    latency_ms: int = 0
    retry_after: int = 1
    reset_after_bytes: int = 16
    probability: float = 1.0
    seed: int = 0
    paths: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    body: str = "text"  # a rate_limit fault's 429: the per-minute text, or an endpoint's JSON


@dataclass(frozen=True)
class Misbehave:
    """Switches that make the emulator a *broken* tenant, to prove the suite notices."""

    accept_wrong_password: bool = False
    agents_are_admins: bool = False
    revoke_is_noop: bool = False
    nonstandard_401: bool = False
    accept_wrong_client_secret: bool = False  # POST /oauth/tokens takes any secret of a known client
    refresh_without_rotation: bool = False  # a refresh hands back the same refresh token, old access kept
    expired_tokens_work: bool = False  # an access token past its expiry still authenticates
    # Defects that only fuzzing finds (suites/test_auth_fuzz.py):
    accept_token_prefix: bool = False  # an OAuth or API token's prefix (8 characters or more) authenticates
    case_insensitive_tokens: bool = False  # tokens compared ignoring case
    non_ascii_header_500: bool = False  # an Authorization value with a byte beyond ASCII answers 500
    second_authorization_wins: bool = False  # of two Authorization fields (combined with ", "), the last judged
    password_trailing_whitespace: bool = False  # a password with trailing whitespace authenticates


@dataclass(frozen=True)
class Settings:
    """Account settings; the defaults mirror a present-day Zendesk account."""

    password_access: bool = False
    api_token_access: bool = True
    oauth_access: bool = True
    rate_limit_per_minute: int = 700
    rate_limit_headers: str = "2024"
    oauth_token_ttl_seconds: int | None = None
    grant_access_ttl_seconds: int = 1800  # POST /oauth/tokens: 30 min by default, 5 min to 48 h
    grant_refresh_ttl_seconds: int = 2_592_000  # 30 days by default, 7 to 90 days
    link_base_url: str | None = None
    extra_fields: bool = False
    rate_limit_agree: bool = True
    empty_bearer: str = "bearer"
    forbidden_wording: str = "2025"
    error_bodies: str = "json"
    empty_scopes: str = "refuse"
    revoke_current: str = "immediate"
    not_found: str = "record"
    first_page_prev: str = "null"
    password_challenge: str = "basic"  # "none": a refused password Basic header gets a 401 without a challenge
    revocation: str = "immediate"  # "delayed": a revoke by id, or a refresh's replaced token, lags 1.5 s
    refresh_refusal: str = "400"  # "401": a refused refresh token answers 401 invalid_grant
    grant_answers: str = "2026"  # "legacy": grant answers carry no expires_in and no refresh_token
    wire: str = "plain"  # "compressed": gzip, chunked, field names in lower case (server.py `_compressed`)
    faults: tuple[Fault, ...] = ()
    misbehave: Misbehave = field(default_factory=Misbehave)


@dataclass(frozen=True)
class GeneratedUsers:
    """Filler users generated deterministically from `seed` (they cannot authenticate)."""

    count: int
    seed: int


@dataclass(frozen=True)
class Tenant:
    """A whole tenant: explicit users, generated filler users, clients, tokens, settings."""

    subdomain: str
    users: tuple[User, ...]
    clients: tuple[Client, ...] = ()
    tokens: tuple[Token, ...] = ()
    settings: Settings = field(default_factory=Settings)
    generated_users: GeneratedUsers | None = None
    all_users: tuple[User, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        spec = self.generated_users
        filler = generate_users(spec.count, spec.seed) if spec else ()
        ordered = tuple(sorted((*self.users, *filler), key=lambda user: user.id))
        object.__setattr__(self, "all_users", ordered)
