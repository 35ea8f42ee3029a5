"""The command line, `python -m zdconform.emulator` (and `zdconform emulator`): serve a tenant.

`build_parser` defines the options; `main(argv) -> int` serves until SIGINT or SIGTERM and
returns 0, or prints `--dump-tenant`'s YAML and returns 0. It never raises for bad input: it
prints one paragraph on stderr and returns 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from ..exceptions import UsageError
from .fleet import FleetEmulator
from .instance import ZendeskEmulator
from .tenant.files import dump_tenant_yaml, load_tenant
from .tenant.fleetgen import generate_fleet

__all__ = ["build_parser", "main"]


def build_parser(prog: str = "python -m zdconform.emulator") -> argparse.ArgumentParser:
    """The emulator's command-line options; `prog` names the command the user typed."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve the zdconform reference tenant, a Zendesk-compatible auth emulator, "
                    "until SIGINT or SIGTERM. The first line on stdout is "
                    "`listening on http://HOST:PORT`.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on; loopback only unless --allow-remote "
                             "(default: %(default)s)")
    parser.add_argument("--port", type=int, default=0,
                        help="port to listen on; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--tenant", metavar="FILE", action="append",
                        help="YAML tenant file (default: the built-in `obscura` tenant); given more than "
                             "once, a fleet: one server, each tenant at /tenants/SUBDOMAIN (docs/emulator.md)")
    parser.add_argument("--fleet-seed", type=int, metavar="N",
                        help="serve a fleet of generated tenants drawn from seed N, some broken on purpose")
    parser.add_argument("--fleet-size", type=int, default=24, metavar="M",
                        help="how many tenants --fleet-seed generates (default: %(default)s)")
    parser.add_argument("--frozen-time", metavar="ISO8601",
                        help="render every new timestamp at this instant, e.g. "
                             "2024-05-01T12:00:00Z (default: the wall clock)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a non-loopback --host")
    parser.add_argument("--dump-tenant", action="store_true",
                        help="print the effective tenant as YAML that --tenant accepts, and exit")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "python -m zdconform.emulator") -> int:
    """Run the emulator CLI; returns the exit status (0, or 2 for bad input)."""
    try:
        args = build_parser(prog).parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return _run(args)
    except UsageError as error:
        print(f"zdconform emulator: error: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    tenants = args.tenant or []
    if args.dump_tenant:
        sys.stdout.write(dump_tenant_yaml(load_tenant(tenants[-1] if tenants else None)))
        return 0
    emulator = _emulator(args, tenants)
    # The handlers go in before the "listening" line: whoever reads it may signal at once.
    with _signals_set_event() as stop, emulator:
        print(f"listening on {emulator.url}", flush=True)
        if isinstance(emulator, FleetEmulator):
            for name in emulator.names:
                print(f"tenant {name} {emulator.tenant_url(name)}", flush=True)
        try:
            while not stop.wait(0.2):
                pass
        except KeyboardInterrupt:  # off the main thread, a Ctrl-C arrives as this
            pass
    return 0


def _emulator(args: argparse.Namespace, tenants: list[str]) -> ZendeskEmulator:
    where = {"host": args.host, "port": args.port, "frozen_time": args.frozen_time,
             "allow_remote": args.allow_remote}
    if args.fleet_seed is not None:
        if tenants or not 1 <= args.fleet_size <= 999:
            raise UsageError("`--fleet-seed` generates the whole fleet: give it no `--tenant`, and a "
                             "`--fleet-size` of 1 to 999.")
        return FleetEmulator([t.data for t in generate_fleet(args.fleet_seed, args.fleet_size)], **where)
    if len(tenants) > 1:
        return FleetEmulator(tenants, **where)
    return ZendeskEmulator(tenants[0] if tenants else None, **where)


@contextmanager
def _signals_set_event() -> Iterator[threading.Event]:
    """An event that SIGINT or SIGTERM sets, for as long as the block runs."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
