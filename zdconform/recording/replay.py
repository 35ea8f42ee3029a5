"""Replay by an index: each request finds its recorded interactions in one dictionary look-up.

PYTEST_DONT_REWRITE: matching runs for every replayed request; pytest's assert rewriting has
no business here.

vcrpy's `Cassette` compares a request with every recorded one, through every matcher, and
scrubs (deep-copies and filters) the request again for each of its three look-ups: per request
the cost grows with the cassette. `IndexedCassette` keeps vcrpy's behaviour (the same matchers
decide: method, path, sorted query and the normalised body of `matching`; the first unplayed
interaction wins; a miss raises vcrpy's own error naming the closest recorded request) but
indexes the interactions by `request_key` as they are loaded or recorded, and scrubs each
request once (a recorded one was scrubbed when it was recorded: it is not scrubbed again on
load). `index_cassettes(vcr)` makes a VCR instance use it for its cassettes alone.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from vcr import patch as vcr_patch
from vcr.cassette import Cassette
from vcr.record_mode import RecordMode

from .matching import normal_body, probe_label, same_body, same_path, same_probe

__all__ = ["MATCH_ON", "RERECORD_HINT", "IndexedCassette", "configure", "index_cassettes", "mark_absent_libraries",
           "request_key"]

MATCH_ON = ("method", "zd_path", "query", "zd_body", "zd_probe")
# The checks send with `requests` (through urllib3 and http.client): vcrpy need not patch other
# libraries for their cassettes, which spares it, for each cassette, a try at importing each of
# them (about 2 ms when they are not installed). Other tests keep vcrpy's defaults.
SKIP_PATCHERS = ("boto3", "httplib2", "tornado", "aiohttp", "httpx", "httpx2")
# vcrpy undoes its patches around each real connection it makes (`force_reset`) by importing
# every HTTP library it supports: one that is not installed is searched for again each time.
VCR_LIBRARIES = ("botocore", "httplib2", "tornado.curl_httpclient", "aiohttp", "httpx", "httpx_curl_cffi",
                 "pyreqwest", "httpx2")

# What a check's report adds when vcrpy found no recorded interaction for its request.
RERECORD_HINT = (
    "The request above is not in the recording of {slug}: the check now sends something it did "
    "not send when recording. If that change is intended, record again (`zdconform run --target "
    "emulator` for the reference cassettes, or your tenant URL), review `git diff cassettes/`, "
    "and commit; otherwise fix the check.")

Key = tuple[str, str, tuple[tuple[str, str], ...], str, str]


def request_key(request: Any) -> Key:
    """What the checks' matchers compare (method, path, sorted query, normalised body, a fuzzing probe's
    label), hashable."""
    body = json.dumps(normal_body(request.body), sort_keys=True, default=str)
    return request.method, request.path, tuple(request.query), body, probe_label(request)


class IndexedCassette(Cassette):  # type: ignore[misc]  # vcrpy is untyped
    """A vcrpy cassette whose look-ups cost the same however many interactions it holds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index: dict[Key, list[int]] = {}
        self._last: tuple[Any, tuple[Any, ...], Key | None] | None = None
        self._loading = False

    def _load(self) -> None:
        self._loading = True
        try:
            super()._load()
        finally:
            self._loading = False

    def append(self, request: Any, response: Any) -> None:
        count = len(self.data)
        if self._loading:  # read from the file just now: scrubbed when recorded, copied by no one
            response = self._before_record_response(response)
            if response is not None:
                self.data.append((request, response))
        else:
            super().append(request, response)
        if len(self.data) > count:
            self._index.setdefault(request_key(self.data[-1][0]), []).append(count)

    def _key(self, request: Any) -> Key | None:
        """The key of `request` once scrubbed; a request asked about again is not scrubbed again."""
        seen = (request.method, request.uri, request.body)
        if self._last is not None and self._last[0] is request and self._last[1] == seen:
            return self._last[2]
        scrubbed = self._before_record_request(request)
        key = request_key(scrubbed) if scrubbed else None
        self._last = (request, seen, key)
        return key

    def _responses(self, request: Any) -> Iterator[tuple[int, Any]]:
        key = self._key(request)
        for index in self._index.get(key, ()) if key is not None else ():
            yield index, self.data[index][1]

    def can_play_response_for(self, request: Any) -> bool:
        if self.record_mode == RecordMode.ALL:
            return False  # a recording run sends every request
        return (self._key(request) is not None and request in self
                and (self.rewound or self.allow_playback_repeats))


def index_cassettes(vcr: Any) -> None:
    """Make `vcr` (one VCR instance, not vcrpy as a whole) open its cassettes as `IndexedCassette`s."""
    def use_cassette(with_current_defaults: bool = False, **kwargs: Any) -> Any:
        if with_current_defaults:
            return IndexedCassette.use(**vcr.get_merged_config(**kwargs))
        return IndexedCassette.use_arg_getter(functools.partial(vcr.get_merged_config, **kwargs))

    vcr._use_cassette = use_cassette


def mark_absent_libraries() -> Callable[[], None]:
    """Record each of vcrpy's libraries that cannot be imported as absent (None in `sys.modules`:
    importing it fails at once, as Python documents), for a session of checks; what undoes it."""
    marked = []
    for name in VCR_LIBRARIES:
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except ImportError:
                sys.modules[name] = None  # type: ignore[assignment]
                marked.append(name)

    def undo() -> None:
        for name in marked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return undo


def configure(vcr: Any, persister: Any, scrubber: Any, *, live: bool) -> None:
    """A check's VCR: indexed cassettes from `persister`, the checks' matchers, requests scrubbed by
    `scrubber`; a live run records every request (its responses scrubbed), replay none."""
    index_cassettes(vcr)  # one look-up per request, however big the cassette
    vcr.register_persister(persister)
    vcr.register_matcher("zd_path", same_path)
    vcr.register_matcher("zd_body", same_body)
    vcr.register_matcher("zd_probe", same_probe)
    vcr.match_on = MATCH_ON
    vcr.record_mode = "all" if live else "none"
    vcr.before_record_request = scrubber.before_record_request
    if live:  # recorded responses are scrubbed already; vcrpy re-filters on load
        vcr.before_record_response = scrubber.before_record_response
    vcr.decode_compressed_response = True
    vcr.allow_playback_repeats = False
    known = getattr(vcr_patch, "PATCHER_NAMES", ())  # vcrpy 9.4 and later can skip patchers
    if known:
        vcr.skip_patchers = tuple(name for name in SKIP_PATCHERS if name in known)
