"""Runs: what a conformance session checks, planned once, and the end of each run.

- `plan`: a session's plan (`Plan`), one frozen `TenantPlan` per tenant (a single run is a
  fleet of one), resolved and validated whole before anything is started or written.
- `state`: a tenant's run (`RunState`): described from its plan (no side effect), started
  before its first check (the emulator, the token journal, the tokens that exist already).
- `tenants`: the runs of one session (`Runs`): opened, refused by their preflight, published.
- `end`: the end of a live run (expiry probes judged, leftovers revoked) and what it must have checked.
- `cleanup`: `zdconform cleanup` of a tenant whose run was killed before its end.
"""
