"""A second Zendesk-compatible server, written from the reference alone, that the suite never saw.

It shares no code with the bundled emulator: a standard-library HTTP server on loopback with
just what the grant checks reach, built from zendesk-auth-api.md (sections 1, 2.3, 4, 6, 7):
`users/me` (anonymous without credentials), List Users (cursor envelope), List OAuth Clients,
List, Show (`current`) and Revoke OAuth Tokens, and `POST /oauth/tokens` with the client
credentials and refresh token grants, per-client allowed scopes, rotation and expiry. Its ids,
names, wording and TTLs differ from the emulator's. Three `Defects` make it misbehave the way
the grant checks must catch: it accepts a wrong client secret, does not rotate refresh tokens,
or keeps expired tokens alive.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ADMIN_ID = 9_100_000_000_001
ADMIN_TOKEN = "indep-admin-bearer-7f3c9a1e5b2d4f6a8c0e"  # fake, as the emulator's are
CONFIDENTIAL = {"id": 9_200_000_000_007, "identifier": "acme_backend_sync",
                "secret": "indep-client-secret-e4d2b8a6c0f1"}
PUBLIC = {"id": 9_200_000_000_011, "identifier": "acme_phone_app"}
ALLOWED = ("read", "write")


@dataclass(frozen=True)
class Defects:
    """Ways this tenant can be wrong."""

    accept_wrong_secret: bool = False
    no_rotation: bool = False
    expired_alive: bool = False


@dataclass
class Token:
    id: int
    access: str
    refresh: str | None
    client_id: int
    scopes: tuple[str, ...]
    created: float
    ttl: float | None  # seconds; None: never expires
    revoked: bool = False


@dataclass
class Tenant:
    """The server's state; `ttl` is the access tokens' lifetime in seconds."""

    defects: Defects = field(default_factory=Defects)
    ttl: int = 3600
    tokens: dict[int, Token] = field(default_factory=dict)
    next_id: int = 4_400_000_000_001
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.tokens[4_399_999_999_999] = Token(4_399_999_999_999, ADMIN_TOKEN, None, CONFIDENTIAL["id"],
                                               ("read", "write"), time.time() - 86_400, None)

    def mint(self, client_id: int, scopes: tuple[str, ...]) -> Token:
        token = Token(self.next_id, secrets.token_urlsafe(40), secrets.token_urlsafe(40), client_id, scopes,
                      time.time(), self.ttl)
        self.tokens[token.id] = token
        self.next_id += 3
        return token

    def bearer(self, header: str | None) -> Token | None:
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = next((t for t in self.tokens.values() if t.access == value.strip()), None)
        if token is None or token.revoked:
            return None
        expired = token.ttl is not None and time.time() > token.created + token.ttl
        return None if expired and not self.defects.expired_alive else token

    def minted(self) -> list[Token]:
        """Tokens minted by grants (not the admin's own)."""
        return [t for t in self.tokens.values() if t.refresh is not None]


def _stamp(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _token_json(token: Token, base: str) -> dict[str, Any]:
    return {"id": token.id, "url": f"{base}/api/v2/oauth/tokens/{token.id}.json", "user_id": ADMIN_ID,
            "client_id": token.client_id, "token": token.access[:10], "scopes": list(token.scopes),
            "created_at": _stamp(token.created), "used_at": None,
            "expires_at": None if token.ttl is None else _stamp(token.created + token.ttl)}


def _client_json(client: dict[str, Any], kind: str, base: str) -> dict[str, Any]:
    return {"id": client["id"], "url": f"{base}/api/v2/oauth/clients/{client['id']}.json", "user_id": ADMIN_ID,
            "name": f"Acme {kind} client", "identifier": client["identifier"], "kind": kind,
            "secret": None, "company": "Acme", "redirect_uri": [], "global": False, "logo_url": None,
            "created_at": "2025-06-01T08:00:00Z", "updated_at": "2025-06-01T08:00:00Z"}


ADMIN_USER = {"id": ADMIN_ID, "name": "Dana Admin", "email": "dana@acme.example", "role": "admin",
              "verified": True, "active": True, "created_at": "2025-01-02T03:04:05Z",
              "updated_at": "2025-01-02T03:04:05Z"}


class Answer(Exception):
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _oauth_error(error: str) -> Answer:
    return Answer(401 if error == "invalid_client" else 400,
                  {"error": error, "error_description": f"The request was refused: {error.replace('_', ' ')}."})


def handle(tenant: Tenant, method: str, target: str, headers: dict[str, str], body: bytes, base: str) -> Answer:
    """The answer to one request (raised and caught: every path ends in an `Answer`)."""
    path, query = urlsplit(target).path.removesuffix(".json"), parse_qs(urlsplit(target).query)
    try:
        with tenant.lock:
            _route(tenant, method, path, query, headers, body, base)
    except Answer as answer:
        return answer
    return Answer(404, {"error": "InvalidEndpoint", "description": "Not found"})


def _route(tenant: Tenant, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
           body: bytes, base: str) -> None:
    if method == "POST" and path == "/oauth/tokens":
        _grant(tenant, _params(headers, body))
    who = tenant.bearer(headers.get("authorization"))
    if path == "/api/v2/users/me" and method == "GET":
        raise Answer(200, {"user": ADMIN_USER if who else {"id": None, "name": "Anonymous user", "role": "end-user"}})
    if who is None:
        raise Answer(401, {"error": "invalid_token", "error_description": "The access token is invalid or expired"},
                     {"WWW-Authenticate": 'Bearer realm="Acme API"'})
    if not all(s in ("read", "write") or ":" in s for s in who.scopes):  # an array sent as the scope
        raise Answer(403, {"error": "Forbidden", "description": "You are missing the following required scopes: read"})
    if method == "GET" and path == "/api/v2/users":
        raise Answer(200, {"users": [ADMIN_USER], "meta": {"has_more": False, "after_cursor": None,
                                                            "before_cursor": None},
                           "links": {"next": None, "prev": None}})
    if method == "GET" and path == "/api/v2/oauth/clients":
        clients = [_client_json(CONFIDENTIAL, "confidential", base), _client_json(PUBLIC, "public", base)]
        raise Answer(200, {"clients": clients, "next_page": None, "previous_page": None, "count": 2})
    if method == "GET" and path == "/api/v2/oauth/tokens":
        live = [_token_json(t, base) for t in tenant.tokens.values() if not t.revoked]
        raise Answer(200, {"tokens": live, "next_page": None, "previous_page": None, "count": len(live)})
    if path.startswith("/api/v2/oauth/tokens/"):
        _one_token(tenant, method, path.rsplit("/", 1)[1], who, base)


def _one_token(tenant: Tenant, method: str, which: str, who: Token, base: str) -> None:
    token = who if which == "current" else tenant.tokens.get(int(which)) if which.isdigit() else None
    if token is None or token.revoked:
        raise Answer(404, {"error": "RecordNotFound", "description": "Not found"})
    if method == "GET":
        raise Answer(200, {"token": _token_json(token, base)})
    if method == "DELETE":
        token.revoked = True  # and its refresh token with it
        raise Answer(204)


def _params(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    text = body.decode("utf-8", "replace")
    if "json" in headers.get("content-type", ""):
        try:
            data = json.loads(text or "{}")
        except ValueError:
            raise _oauth_error("invalid_request") from None
        return data if isinstance(data, dict) else {}
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        login, _, secret = base64.b64decode(auth[6:]).decode("utf-8", "replace").partition(":")
        params.update(client_id=login, client_secret=secret)
    return params


def _grant(tenant: Tenant, params: dict[str, Any]) -> None:
    kind = params.get("grant_type")
    if kind not in ("client_credentials", "refresh_token"):
        raise _oauth_error("unsupported_grant_type")
    if params.get("client_id") != CONFIDENTIAL["identifier"]:
        raise _oauth_error("invalid_client")  # unknown, or the public client (no secret, no such grant)
    right = params.get("client_secret") == CONFIDENTIAL["secret"]
    if not (right or (tenant.defects.accept_wrong_secret and params.get("client_secret"))):
        raise _oauth_error("invalid_client")
    if kind == "refresh_token":
        _refresh(tenant, str(params.get("refresh_token") or ""))
    scope = params.get("scope", "read")
    scopes = tuple(scope.split()) if isinstance(scope, str) else (json.dumps(scope),)
    if isinstance(scope, str) and not all(s in ALLOWED for s in scopes):
        raise _oauth_error("invalid_scope")
    raise Answer(200, _flat(tenant, tenant.mint(CONFIDENTIAL["id"], scopes)))


def _refresh(tenant: Tenant, given: str) -> None:
    old = next((t for t in tenant.tokens.values() if t.refresh == given and given), None)
    if old is None or old.revoked:
        raise _oauth_error("invalid_grant")
    new = tenant.mint(old.client_id, old.scopes)
    if tenant.defects.no_rotation:
        new.refresh, old.refresh = old.refresh, None  # the same refresh token handed back; the old access kept
    else:
        old.revoked = True
    raise Answer(200, _flat(tenant, new))


def _flat(tenant: Tenant, token: Token) -> dict[str, Any]:
    return {"access_token": token.access, "token_type": "Bearer", "scope": " ".join(token.scopes),
            "expires_in": tenant.ttl, "refresh_token": token.refresh, "refresh_token_expires_in": 1_209_600}


class IndependentServer:
    """The server on 127.0.0.1, port 0, in a thread: `with IndependentServer(...) as server:`."""

    def __init__(self, defects: Defects | None = None, ttl: int = 3600, slow: dict[str, float] | None = None) -> None:
        """`slow` maps a path to seconds to wait before answering it (to make a run outlast `ttl`)."""
        self.tenant = Tenant(defects or Defects(), ttl)
        self.paths: list[str] = []
        tenant, paths, delays = self.tenant, self.paths, dict(slow or {})

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                lowered = {k.lower(): v for k, v in self.headers.items()}
                paths.append(f"{self.command} {self.path}")
                time.sleep(delays.get(urlsplit(self.path).path.removesuffix(".json"), 0.0))
                answer = handle(tenant, self.command, self.path, lowered, body, f"http://{self.headers['Host']}")
                data = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/json; charset=utf-8", **answer.headers,
                                    "Content-Length": str(len(data))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _any

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def unrevoked(self) -> list[int]:
        """Ids of the grant tokens nobody revoked."""
        with self.tenant.lock:
            return [t.id for t in self.tenant.minted() if not t.revoked]

    def minted_secrets(self) -> list[str]:
        """Every access and refresh token the grants minted."""
        with self.tenant.lock:
            return [s for t in self.tenant.minted() for s in (t.access, t.refresh) if s]

    def __enter__(self) -> IndependentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
