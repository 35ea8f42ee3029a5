"""Settings: the options of a run, targets and URLs, credentials from the environment, profiles.

One function, `resolve_options`, decides every option, with one precedence for all of them:
command-line option > environment variable > ini key (pyproject.toml) > default. `project`
decides the project root every file of the user's project is found from. Secrets
come only from environment variables, never from ini or profile files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .credentials import AUTH_METHODS, CLIENT_ID_VAR, CREDENTIAL_VARS, AuthMethod, Credentials, Secret
    from .options import Options, resolve_options
    from .profiles import (
        API_TOKENS_DEACTIVATED,
        PASSWORD_REMOVED,
        Profile,
        default_profile,
        load_profile,
        profile_from_dict,
        require_client_secret,
    )
    from .project import find_project, journal_path, project_ini, project_root
    from .targets import REFERENCE_SLUG, Target, check_base_url, is_loopback, parse_target

# Each name is imported from its module when first asked for: a pytest run without conformance
# checks loads the plugin, which needs only `options` and `targets`, not profiles (and YAML).
_HOMES = {
    "credentials": ("AUTH_METHODS", "CLIENT_ID_VAR", "CREDENTIAL_VARS", "AuthMethod", "Credentials", "Secret"),
    "options": ("Options", "resolve_options"),
    "profiles": ("API_TOKENS_DEACTIVATED", "PASSWORD_REMOVED", "Profile", "default_profile", "load_profile",
                 "profile_from_dict", "require_client_secret"),
    "project": ("find_project", "journal_path", "project_ini", "project_root"),
    "targets": ("REFERENCE_SLUG", "Target", "check_base_url", "is_loopback", "parse_target"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_HOME_OF[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "API_TOKENS_DEACTIVATED",
    "AUTH_METHODS",
    "AuthMethod",
    "CLIENT_ID_VAR",
    "CREDENTIAL_VARS",
    "Credentials",
    "Options",
    "PASSWORD_REMOVED",
    "Profile",
    "REFERENCE_SLUG",
    "Secret",
    "Target",
    "check_base_url",
    "default_profile",
    "find_project",
    "is_loopback",
    "journal_path",
    "load_profile",
    "parse_target",
    "profile_from_dict",
    "project_ini",
    "project_root",
    "require_client_secret",
    "resolve_options",
]
