"""The Zendesk API the checks speak to, in one table: paths, auth methods, and which JSON
Schema answers which response.

Every check, the token ledger, the evidence and the findings take their paths and schema
names from here, so a path or a schema is named once.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CLIENTS_PATH",
    "CURRENT_TOKEN_PATH",
    "DENIED",
    "ENDPOINTS",
    "GRANT_PATH",
    "METHODS",
    "METHOD_IDS",
    "METHOD_NAMES",
    "ME_PATH",
    "TOKENS_PATH",
    "USERS_PATH",
    "schema_for",
    "token_path",
]

CLIENTS_PATH = "/api/v2/oauth/clients.json"
TOKENS_PATH = "/api/v2/oauth/tokens.json"
CURRENT_TOKEN_PATH = "/api/v2/oauth/tokens/current.json"
USERS_PATH = "/api/v2/users.json"
ME_PATH = "/api/v2/users/me.json"
GRANT_PATH = "/oauth/tokens"  # the grant-type endpoint: no /api/v2

# The matrix: its columns (what the checks are marked `zd_check(endpoint)` with) and its rows.
ENDPOINTS = ("list_clients", "create_token", "users_bearer", "negative_auth", "roles",
             "token_errors", "token_lifecycle", "grant_client_credentials", "grant_refresh", "grant_expiry",
             "grant_scopes", "auth_fuzz")
# none: no usable credential at all; oauth_client: a confidential OAuth client at POST /oauth/tokens
METHODS = ("oauth_token", "api_token", "password", "oauth_client", "none")
# Readable test ids for the three auth methods, shared by the suites' parametrize tables.
METHOD_IDS = {"oauth_token": "oauth-bearer", "api_token": "api-token", "password": "email-password"}
METHOD_NAMES = {"oauth_token": "OAuth bearer token", "api_token": "API token",
                "password": "email and password"}
# How each method is refused when the tenant disables it: (body schema, WWW-Authenticate scheme).
DENIED = {"oauth_token": ("error_401_bearer", "Bearer"), "api_token": ("error_401_basic", "Basic"),
          "password": ("error_401_basic", "Basic")}

# The schema each check validates an accepted response with: (method, path, status) -> name.
RESPONSE_SCHEMAS = {
    ("GET", CLIENTS_PATH, 200): "clients_list",
    ("POST", TOKENS_PATH, 201): "token_response",
    ("GET", USERS_PATH, 200): "users_list",
    ("GET", ME_PATH, 200): "user_response",
    ("GET", TOKENS_PATH, 200): "tokens_list",
    ("GET", CURRENT_TOKEN_PATH, 200): "token_response",
    ("POST", GRANT_PATH, 200): "grant_token_response",
    ("POST", GRANT_PATH, 201): "grant_token_response",
}
# A refusal is validated with the body its Authorization scheme documents.
DENIED_SCHEMAS = {"bearer": "error_401_bearer", "basic": "error_401_basic"}
# Other client errors: either 403 shape (role or scope), and Zendesk's generic 4xx body.
ERROR_SCHEMAS = {403: "error_403", 400: "error_4xx_generic", 404: "error_404", 409: "error_4xx_generic",
                 422: "error_4xx_generic", 429: "error_429"}


def token_path(token_id: int | str) -> str:
    """Show Token / Revoke Token of one token id."""
    return f"/api/v2/oauth/tokens/{token_id}.json"


def schema_for(interaction: dict[str, Any]) -> str | None:
    """The schema the checks validate this recorded response with, or None."""
    status, path = interaction["status"], interaction["path"].split("?")[0]
    if path == GRANT_PATH and status in (400, 401):
        return "oauth_error"
    if status == 401:
        headers = interaction["request"]["headers"]
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        return DENIED_SCHEMAS.get(auth.split(" ")[0].lower())
    return RESPONSE_SCHEMAS.get((interaction["method"], path, status)) or ERROR_SCHEMAS.get(status)
