"""The zdconform reference emulator: a Zendesk-compatible auth tenant over real HTTP.

Usable without pytest:

    >>> from zdconform.emulator import ZendeskEmulator, DEFAULT_CREDENTIALS
    >>> with ZendeskEmulator() as emu:
    ...     ...  # emu.url, emu.clear(), emu.configure(...), emu.live_tokens(), emu.check()

The layout follows a request from the socket down to the tenant; nothing imports upward:

    __main__.py   the command line, `python -m zdconform.emulator`
    fixtures.py   pytest fixtures (make_zendesk_emulator, zendesk_emulator)
    instance.py   ZendeskEmulator, the in-thread context manager
    fleet.py      FleetEmulator: many tenants in one server, by Host or /tenants/NAME
    server.py     the HTTP/1.1 server and its socket handler
    api/          the request pipeline: App and its routes, credentials, faults, rate limit
    resources/    the endpoints (oauth, users), their state, messages, pagination, clock
    tenant/       the immutable tenant: model, people, built-in tenant, files, settings

The tenant file format is documented in docs/emulator.md.
"""

from __future__ import annotations

from .fleet import FleetEmulator
from .instance import ZendeskEmulator
from .tenant.builtin import DEFAULT_CREDENTIALS, default_tenant
from .tenant.files import dump_tenant_yaml, load_tenant, tenant_to_dict
from .tenant.model import Tenant

__all__ = [
    "DEFAULT_CREDENTIALS",
    "FleetEmulator",
    "Tenant",
    "ZendeskEmulator",
    "default_tenant",
    "dump_tenant_yaml",
    "load_tenant",
    "tenant_to_dict",
]
