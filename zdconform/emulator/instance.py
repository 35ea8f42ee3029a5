"""The emulator instance: `ZendeskEmulator`, one tenant served over HTTP from a background thread.

    with ZendeskEmulator() as emu:            # the built-in tenant on a free loopback port
        requests.get(f"{emu.url}/api/v2/users/me.json")

Each instance has its own state, so many can run at once (one per pytest-xdist worker).
`is_loopback` is the check behind refusing a non-loopback host without `allow_remote`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from types import TracebackType
from typing import Any

from ..exceptions import UsageError
from .api.app import App
from .resources.clock import Clock
from .resources.grants import issue_code
from .server import EmulatorHTTPServer
from .tenant.account import SETTINGS_KEYS, merge_settings
from .tenant.files import TenantSource, load_tenant

__all__ = ["ZendeskEmulator", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ZendeskEmulator:
    """A Zendesk-compatible auth server for one tenant; a context manager."""

    def __init__(self, tenant: TenantSource = None, host: str = "127.0.0.1", port: int = 0,
                 frozen_time: dt.datetime | str | None = None,
                 allow_remote: bool = False) -> None:
        if not allow_remote and not is_loopback(host):
            raise UsageError(
                f"the emulator refuses to listen on {host!r}: it serves fake credentials and "
                "is meant for this machine only. Use a loopback address such as 127.0.0.1, or "
                "pass --allow-remote (allow_remote=True) if you really want it reachable."
            )
        self.tenant = load_tenant(tenant)
        self.host, self._port = host.strip("[]"), port
        self._app = App(self.tenant, Clock(frozen_time))
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ZendeskEmulator:
        """Bind and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        try:
            self._server = EmulatorHTTPServer((self.host, self._port), self._app)
        except (OSError, OverflowError) as exc:
            raise UsageError(f"the emulator cannot listen on {self.host}:{self._port} ({exc}); "
                             "pick another port, or 0 for a free one.") from None
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="zdconform-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and the socket, join the threads."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> ZendeskEmulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (the one asked for until started)."""
        return int(self._server.server_address[1]) if self._server else self._port

    @property
    def url(self) -> str:
        """`http://HOST:PORT`, no trailing slash."""
        if self._server is None:
            raise UsageError("the emulator is not started; call start() or use it in `with`.")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def clear(self) -> None:
        """Reset tokens, settings, rate-limit window, fault counters, log and errors."""
        with self._app.lock:
            self._app.reset()

    def configure(self, **settings: Any) -> None:
        """Change settings at run time (keys as in a tenant's `settings:`); clear() undoes it.

        Raises `ProfileError` (a `UsageError`) for a malformed value, naming the field.
        """
        unknown = sorted(set(settings) - set(SETTINGS_KEYS))
        if unknown:
            raise UsageError(f"configure() got unknown setting(s) {', '.join(unknown)}; "
                             f"allowed: {', '.join(SETTINGS_KEYS)}.")
        with self._app.lock:
            self._app.apply_settings(merge_settings(self._app.state.settings, settings))

    def advance_clock(self, seconds: float) -> None:
        """Test-only door: move the emulator's clock forward (expiry in milliseconds); clear() undoes it."""
        with self._app.lock:
            self._app.state.clock.advance(seconds)

    def issue_authorization_code(self, client_identifier: str, *, user_id: int | None = None,
                                 scope: str = "read", redirect_uri: str | None = None,
                                 code_challenge: str | None = None, code_challenge_method: str = "S256") -> str:
        """Test-only door: an authorization code, as if a user had consented in a browser.

        Valid 120 s on the emulator's clock, for one exchange at POST /oauth/tokens. A public
        client's code needs a PKCE `code_challenge`. Raises `UsageError` naming the problem.
        """
        with self._app.lock:
            try:
                return issue_code(self._app.state, client_identifier, user_id, scope, redirect_uri,
                                  code_challenge, code_challenge_method)
            except ValueError as exc:
                raise UsageError(f"issue_authorization_code(): {exc}.") from None

    def live_tokens(self) -> list[dict[str, Any]]:
        """OAuth tokens that are neither revoked nor expired."""
        with self._app.lock:
            return [_public(token.summary()) for token in self._app.state.live_tokens()]

    def tokens_created(self) -> list[dict[str, Any]]:
        """Tokens created through POST /api/v2/oauth/tokens since the last clear()."""
        with self._app.lock:
            return [token.summary() for token in self._app.state.created]

    def tokens_granted(self) -> list[dict[str, Any]]:
        """Tokens minted by POST /oauth/tokens since the last clear(): the same keys plus
        `refresh_token` and `grant`."""
        with self._app.lock:
            return [token.summary() | {"refresh_token": token.refresh_token, "grant": token.grant}
                    for token in self._app.state.granted]

    @property
    def request_log(self) -> list[tuple[str, str, int]]:
        """(method, path with query, status) of every request since the last clear()."""
        with self._app.lock:
            return list(self._app.state.log)

    def check(self) -> None:
        """Raise, as AssertionError, any exception that happened on a server thread."""
        with self._app.lock:
            errors = list(self._app.state.errors)
            self._app.state.errors.clear()
        if errors:
            raise AssertionError("zdconform emulator: an error happened on a server thread:\n"
                                 + "\n".join(errors))


def _public(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in summary.items() if key != "revoked"}
