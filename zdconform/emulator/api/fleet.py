"""Many tenants behind one server: `FleetApp` picks the tenant's `App` for each request.

Zendesk tells tenants apart by their subdomain; the emulator does the same with the request's
Host: `acme.localhost:PORT` (any name whose first label is a tenant) reaches the tenant `acme`.
Where such names do not resolve (most machines: `hosts: files dns`), a path prefix does the
same: `http://127.0.0.1:PORT/tenants/acme/api/v2/users/me.json`. The prefix is removed before
the tenant's App sees the request, and kept in the base its links are built from. A request for
no known tenant gets Zendesk's 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..resources.clock import Clock
from ..resources.messages import Request, Response, invalid_endpoint
from ..tenant.model import Tenant
from .app import App

__all__ = ["PREFIX", "FleetApp"]

PREFIX = "/tenants/"


class FleetApp(App):
    """An App for each tenant of a fleet; as an App itself, the first tenant (for errors and `check()`)."""

    def __init__(self, tenants: Mapping[str, Tenant], clock: Clock) -> None:
        if not tenants:
            raise ValueError("a fleet needs at least one tenant")
        super().__init__(next(iter(tenants.values())), clock)
        self.apps = {name: App(tenant, clock) for name, tenant in tenants.items()}

    def reset(self) -> None:
        super().reset()
        for app in self.apps.values():
            with app.lock:
                app.reset()

    def handle(self, request: Request) -> Response:
        """The request answered by its tenant's App, or a 404 for no known tenant."""
        found = self.route(request)
        if found is None:
            return invalid_endpoint()
        app, routed = found
        return app.handle(routed)

    def route(self, request: Request) -> tuple[App, Request] | None:
        """The tenant's App and the request as that App sees it (no prefix)."""
        if request.path.startswith(PREFIX):
            name, _, rest = request.path[len(PREFIX):].partition("/")
            if name not in self.apps:
                return None
            prefix = f"{PREFIX}{name}"
            target = request.target[len(prefix):] or "/"
            return self.apps[name], replace(request, path="/" + rest, target=target, host=request.host + prefix)
        label = request.host.rsplit(":", 1)[0].split(".")[0].lower() if "." in request.host else ""
        app = self.apps.get(label)
        return None if app is None else (app, request)
