"""`FleetEmulator`: many tenants in one emulator, told apart by Host or by a `/tenants/NAME` prefix.

    with FleetEmulator([tenant_a, tenant_b]) as fleet:     # tenants named by their subdomains
        requests.get(f"{fleet.tenant_url('acme')}/api/v2/users/me.json")

Each tenant has its own state, rate limit and faults, as a tenant of its own emulator would;
see `api.fleet` for the routing and docs/emulator.md ("Fleets") for the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..exceptions import UsageError
from .api.app import App
from .api.fleet import PREFIX, FleetApp
from .instance import ZendeskEmulator, _public
from .resources.clock import Clock
from .tenant.files import TenantSource, load_tenant
from .tenant.model import Tenant

__all__ = ["FleetEmulator"]


class FleetEmulator(ZendeskEmulator):
    """One server, one tenant per subdomain; `clear()`, `check()` and the rest act on every tenant."""

    def __init__(self, tenants: Sequence[TenantSource], host: str = "127.0.0.1", port: int = 0,
                 frozen_time: dt.datetime | str | None = None, allow_remote: bool = False) -> None:
        loaded: dict[str, Tenant] = {}
        for source in tenants:
            tenant = load_tenant(source)
            if tenant.subdomain in loaded:
                raise UsageError(f"the emulator fleet has two tenants with the subdomain {tenant.subdomain!r}: "
                                 "a subdomain names one tenant; give each tenant file its own `subdomain`.")
            loaded[tenant.subdomain] = tenant
        if not loaded:
            raise UsageError("the emulator fleet has no tenant: give at least one.")
        super().__init__(next(iter(loaded.values())), host, port, frozen_time, allow_remote)
        self._fleet = FleetApp(loaded, Clock(frozen_time))
        self._app = self._fleet

    @property
    def names(self) -> list[str]:
        """The tenants' names (their subdomains), in the order given."""
        return list(self._fleet.apps)

    def tenant_url(self, name: str) -> str:
        """The base URL of tenant `name`: `http://HOST:PORT/tenants/NAME`."""
        self.app_of(name)
        return f"{self.url}{PREFIX}{name}"

    def app_of(self, name: str) -> App:
        if name not in self._fleet.apps:
            raise UsageError(f"the emulator fleet has no tenant {name!r}; it has {', '.join(self.names)}.")
        return self._fleet.apps[name]

    def live_tokens_of(self, name: str) -> list[dict[str, Any]]:
        """Tenant `name`'s OAuth tokens that are neither revoked nor expired."""
        app = self.app_of(name)
        with app.lock:
            return [_public(token.summary()) for token in app.state.live_tokens()]

    def request_log_of(self, name: str) -> list[tuple[str, str, int]]:
        """(method, path with query, status) of every request tenant `name` answered."""
        app = self.app_of(name)
        with app.lock:
            return list(app.state.log)

    def check(self) -> None:
        """Raise, as AssertionError, any exception that happened on a server thread, for any tenant."""
        super().check()
        errors = []
        for name, app in self._fleet.apps.items():
            with app.lock:
                errors += [f"[{name}] {error}" for error in app.state.errors]
                app.state.errors.clear()
        if errors:
            raise AssertionError("zdconform emulator: an error happened on a server thread:\n" + "\n".join(errors))
