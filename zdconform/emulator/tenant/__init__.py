"""The tenant: what one emulated Zendesk account holds, and how it is read and written.

    model        immutable records: Client, Token, Settings (with Fault, Misbehave), Tenant
    people       the User record, default user profiles, seeded filler users
    builtin      the built-in `obscura` tenant and DEFAULT_CREDENTIALS
    account      the `settings:` section: validate, write back, merge run-time changes
    files        tenant files: YAML or dict in (validated), dict and YAML out
    validation   typed field readers that raise `Invalid` with the field path

Nothing here knows about HTTP; the request side (`api`, `resources`) reads these records.
"""
