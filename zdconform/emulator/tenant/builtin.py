"""The built-in tenant: the seed's `obscura` account, with obviously fake credentials.

Admin 293241756 owns the client "OAuth client for my app" (id 50328), as in Zendesk's guide.
`DEFAULT_CREDENTIALS` lists every credential a test needs; all of them are fake.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .model import Client, GeneratedUsers, Settings, Tenant, Token
from .people import User, default_profile

__all__ = ["DEFAULT_CREDENTIALS", "default_tenant"]

ADMIN_ID, AGENT_ID, END_USER_ID = 293241756, 293241857, 1907462330015
CLIENT_ID = 50328


def _fake(prefix: str, length: int) -> str:
    return prefix.ljust(length, "0")


_ADMIN: dict[str, Any] = {"id": ADMIN_ID, "email": "fake.admin@obscura.example",
          "password": "fakepass-admin-0000",
          "api_token": _fake("fakeadmin0apitoken", 40),
          "oauth_token": _fake("fakeadmin0oauthtoken0readwrite", 64)}
_AGENT: dict[str, Any] = {"id": AGENT_ID, "email": "fake.agent@obscura.example",
          "password": "fakepass-agent-0000",
          "api_token": _fake("fakeagent0apitoken", 40),
          "oauth_token": _fake("fakeagent0oauthtoken0readwrite", 64)}
_END_USER: dict[str, Any] = {"id": END_USER_ID, "email": "fake.enduser@obscura.example",
             "password": "fakepass-enduser-0000",
             "api_token": None,
             "oauth_token": _fake("fakeenduser0oauthtoken0readwrite", 64)}

DEFAULT_CREDENTIALS: dict[str, Any] = {
    "subdomain": "obscura",
    "admin": _ADMIN,
    "agent": _AGENT,
    "end_user": _END_USER,
    "read_only_oauth_token": _fake("fakereadonly0oauthtoken0admin", 64),
    "expired_oauth_token": _fake("fakeexpired0oauthtoken0admin", 64),
    "revoked_oauth_token": _fake("fakerevoked0oauthtoken0admin", 64),
    "oauth_client_id": CLIENT_ID,
    "oauth_client_name": "OAuth client for my app",
    # POST /oauth/tokens: the confidential client's identifier and secret (client_credentials,
    # refresh), and the public client (authorization_code with PKCE, codes from the test door).
    "oauth_client": {"client_identifier": "obscura_my_app",
                     "client_secret": _fake("fakeclientsecret0myapp", 64)},
    "public_client_identifier": "obscura_mobile",
}


def _user(creds: dict[str, Any], name: str, role: str, **profile: Any) -> User:
    tokens = (creds["api_token"],) if creds["api_token"] else ()
    return User(id=creds["id"], name=name, email=creds["email"], role=role,
                password=creds["password"], api_tokens=tokens,
                profile=default_profile(role) | profile)


def _users() -> tuple[User, ...]:
    return (
        _user(_ADMIN, "Fake Admin", "admin", created_at="2021-06-01T12:00:00Z",
              last_login_at="2024-02-07T16:45:10Z", default_group_id=1933000000001,
              two_factor_auth_enabled=True),
        _user(_AGENT, "Fake Agent", "agent", created_at="2022-01-10T08:15:00Z",
              phone="+15550100200", shared_phone_number=False,
              last_login_at="2024-02-06T09:12:44Z", default_group_id=1933000000001),
        _user(_END_USER, "Fake End User", "end-user", created_at="2023-09-18T17:05:31Z",
              organization_id=1922000000101, tags=["fake", "newsletter"]),
    )


def _clients() -> tuple[Client, ...]:
    return (
        Client(id=CLIENT_ID, user_id=ADMIN_ID, name="OAuth client for my app",
               identifier="obscura_my_app", company="Obscura (fake company)",
               description="The client from Zendesk's guide to creating OAuth tokens.",
               redirect_uri=("https://app.obscura.example/oauth/callback",),
               secret=DEFAULT_CREDENTIALS["oauth_client"]["client_secret"], allowed_scopes=("read", "write"),
               created_at="2023-04-12T09:30:00Z", updated_at="2023-04-12T09:30:00Z"),
        Client(id=50329, user_id=ADMIN_ID, name="Reporting dashboard",
               identifier="obscura_reporting", company="Obscura (fake company)",
               description=None, redirect_uri=(),
               secret=_fake("fakeclientsecret0reporting", 64), allowed_scopes=("read",),
               created_at="2023-05-02T11:00:00Z", updated_at="2023-11-20T14:22:09Z"),
        Client(id=50417, user_id=ADMIN_ID, name="Mobile companion (PKCE)",
               identifier="obscura_mobile", kind="public", company=None,
               description="A public client: it must use PKCE.",
               redirect_uri=("com.example.obscura:/oauth2redirect",), secret=None,
               allowed_scopes=("read", "users:write"),
               created_at="2024-01-05T10:10:10Z", updated_at="2024-01-05T10:10:10Z"),
    )


def _token(token_id: int, user_id: int, token: str, scopes: tuple[str, ...],
           **extra: Any) -> Token:
    return Token(id=token_id, user_id=user_id, client_id=CLIENT_ID, token=token,
                 scopes=scopes, created_at="2024-01-15T08:00:00Z", **extra)


def _tokens() -> tuple[Token, ...]:
    rw, creds = ("read", "write"), DEFAULT_CREDENTIALS
    return (
        _token(1820000000001, ADMIN_ID, _ADMIN["oauth_token"], rw),
        _token(1820000000002, AGENT_ID, _AGENT["oauth_token"], rw),
        _token(1820000000003, END_USER_ID, _END_USER["oauth_token"], rw),
        _token(1820000000004, ADMIN_ID, creds["read_only_oauth_token"], ("read",)),
        _token(1820000000005, ADMIN_ID, creds["expired_oauth_token"], rw,
               expires_at="2024-01-15T08:30:00Z"),
        _token(1820000000006, ADMIN_ID, creds["revoked_oauth_token"], rw, revoked=True),
    )


@lru_cache(maxsize=1)
def default_tenant() -> Tenant:
    """The built-in tenant: 3 named users plus 257 generated ones, 3 clients, 6 tokens."""
    return Tenant(subdomain="obscura", users=_users(), clients=_clients(), tokens=_tokens(),
                  settings=Settings(), generated_users=GeneratedUsers(count=257, seed=50328))
