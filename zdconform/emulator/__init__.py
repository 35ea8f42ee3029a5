"""The zdconform reference emulator: a Zendesk-compatible auth tenant over real HTTP.

Usable without pytest:

    from zdconform.emulator import ZendeskEmulator, DEFAULT_CREDENTIALS
    with ZendeskEmulator() as emu:
        ...  # emu.url, emu.clear(), emu.configure(...), emu.live_tokens(), emu.check()

The command line is `python -m zdconform.emulator`; the pytest fixtures live in
`zdconform.emulator.fixtures`. The tenant file format is documented in docs/emulator.md.
"""

from __future__ import annotations

from zdconform.emulator.instance import ZendeskEmulator
from zdconform.emulator.tenant.builtin import DEFAULT_CREDENTIALS, default_tenant
from zdconform.emulator.tenant.files import dump_tenant_yaml, load_tenant, tenant_to_dict
from zdconform.emulator.tenant.model import Tenant

__all__ = [
    "DEFAULT_CREDENTIALS",
    "Tenant",
    "ZendeskEmulator",
    "default_tenant",
    "dump_tenant_yaml",
    "load_tenant",
    "tenant_to_dict",
]
