"""The plan of a session: every tenant's run, resolved once and validated whole.

`Plan.make` turns resolved `settings.Options` into one frozen `TenantPlan` per tenant (a
single run is a fleet of one tenant, named None): its own options, the environment its
credentials are read from, its target (parsed once), its profile (loaded once) and, for the
emulator, its tenant file (read once). Every refusal of a plan happens here, at pytest's
configure, before anything is started, removed or written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import UsageError
from ..recording.files import check_writable_folder, sha256_file
from ..settings import Options, Profile, Target, load_profile, parse_target
from ..settings.fleet import Fleet, credential_names, load_fleet, tenant_env

__all__ = ["Plan", "REPORTS_FIX", "TenantFile", "TenantPlan"]

REPORTS_FIX = "Give `--zd-reports` (or ZDCONFORM_REPORTS) a folder you can write to."


@dataclass(frozen=True)
class TenantFile:
    """The emulator's tenant file of a run (`--zd-emulator-tenant`), read and validated when the run is
    planned: its recording goes to `cassettes/emulator-<name>/`, never to the reference's folder, and
    the manifest and evidence name the file and its SHA-256."""

    path: Path
    sha256: str
    tenant: Any

    @classmethod
    def read(cls, given: str | None) -> TenantFile | None:
        if not given:
            return None
        from ..emulator import load_tenant  # only an emulator run with a tenant file pays for the emulator

        path = Path(given)
        tenant = load_tenant(path)  # a bad file is refused here, in one paragraph, before anything is touched
        return cls(path, sha256_file(path), tenant)

    @property
    def slug(self) -> str:
        name = re.sub(r"[^a-z0-9_-]+", "-", self.path.stem.lower()).strip("-")
        return f"emulator-{name or 'tenant'}"

    def label(self) -> dict[str, str]:
        return {"file": self.path.name, "sha256": self.sha256}


@dataclass(frozen=True)
class TenantPlan:
    """One tenant's run, as planned: what `RunState` is built from."""

    options: Options  # its own: target, profile, reports folder, fleet name and variable names
    env: Mapping[str, str]  # where its credentials are read (a fleet tenant's: its own variables)
    target: Target  # parsed once; its slug names its cassette folder
    profile: Profile | None  # loaded once; None: the emulator's, the recording's or the default
    tenant_file: TenantFile | None = None

    @property
    def name(self) -> str | None:
        """The fleet tenant's name; None for a single run."""
        return self.options.tenant

    @classmethod
    def of(cls, options: Options, env: Mapping[str, str]) -> TenantPlan:
        target = parse_target(options.target, replay_from=options.replay_from, name=options.name_of("target"))
        if options.tenant:  # a fleet's tenant: its folders carry its fleet name
            target = dataclasses.replace(target, slug=options.tenant)
        tenant_file = TenantFile.read(options.emulator_tenant) if target.kind == "emulator" else None
        if tenant_file is not None:  # never recorded as the reference: a folder of its own
            target = dataclasses.replace(target, slug=tenant_file.slug)
        profile = load_profile(options.profile, name=options.name_of("profile")) if options.profile else None
        return cls(options, env, target, profile, tenant_file)


@dataclass(frozen=True)
class Plan:
    """A session's plan: its options and one `TenantPlan` per tenant (one for a single run)."""

    options: Options
    tenants: tuple[TenantPlan, ...]
    fleet: Fleet | None = None

    @classmethod
    def make(cls, options: Options, env: Mapping[str, str]) -> Plan:
        """The plan of `options`, validated whole: raises UsageError (one paragraph) before anything is touched."""
        if options.fleet:
            fleet = load_fleet(options.fleet, env, shard_spec=options.fleet_shard)
            tenants = tuple(TenantPlan.of(_tenant_options(options, tenant), tenant_env(tenant, env))
                            for tenant in fleet.tenants)
        else:
            fleet, tenants = None, (TenantPlan.of(options, env),)
            if options.require_live and not tenants[0].target.is_live:
                raise UsageError(
                    f"This run must be live (`--zd-require-live` or ZDCONFORM_REQUIRE_LIVE), but its target is a "
                    f"replay of {tenants[0].target.slug!r}: no `--zd-target` was given and ZENDESK_TARGET is unset "
                    "(or misspelt, or holds `replay`). Give the tenant's URL: `--zd-target \"$ZENDESK_TARGET\"` in "
                    "CI, with the variable set from the job's secrets. Nothing was run.")
        check_writable_folder(options.reports, "reports folder", REPORTS_FIX)
        return cls(options, tenants, fleet)

    @property
    def is_fleet(self) -> bool:
        return self.fleet is not None

    @property
    def is_live(self) -> bool:
        return any(tenant.target.is_live for tenant in self.tenants)

    def names(self) -> list[str | None]:
        return [tenant.name for tenant in self.tenants]


def _tenant_options(options: Options, tenant: Any) -> Options:
    """A single run's options for a fleet's tenant: its URL, profile, reports folder, name and variables."""
    return dataclasses.replace(options, target=tenant.url, profile=tenant.profile, tenant=tenant.name,
                               reports=options.reports / "tenants" / tenant.name, emulator_tenant=None,
                               fleet=None, fleet_shard=None, replay_from=tenant.name,
                               credential_names=credential_names(tenant))
