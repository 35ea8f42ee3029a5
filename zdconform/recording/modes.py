"""Which pytest-recording modes zdconform's checks accept, and why it refuses the others.

A replay only plays (`none`): any other `--record-mode` would write, and `rewrite` would first
delete, the committed cassettes the replay checks against. A live run re-records every check it
runs (`all`), each cassette written atomically when its check completes. `--disable-recording`
suits a live run that should record nothing, never a replay, which would have nothing to play.
A user's own VCR tests in the same session are not concerned: their modes are theirs. Without
pytest-recording (`-p no:recording`) no check can run: a conformance run is refused.
"""

from __future__ import annotations

from ..settings import Target

__all__ = ["recording_conflict"]


def recording_conflict(target: Target, mode: str | None, disabled: bool, *, loaded: bool = True) -> str | None:
    """Why `--record-mode=mode` / `--disable-recording` cannot apply to `target`'s checks, or None;
    `loaded`: whether pytest-recording is loaded at all."""
    if not loaded:
        return ("zdconform's checks record and replay through pytest-recording, which `-p no:recording` turned "
                "off (or which is not installed: `pip install pytest-recording`). Drop `-p no:recording` for "
                "a conformance run; a pytest session without conformance checks may keep it.")
    if target.kind == "replay":
        if mode not in (None, "none"):
            return (f"`--record-mode={mode}` would make a replay write{' and delete' if mode == 'rewrite' else ''} "
                    f"the committed cassettes of {target.slug}, the evidence the replay checks against; a replay "
                    "never changes them. To record, run against a live target instead (`--zd-target=emulator`, "
                    "or your tenant's URL), which re-records every check it runs; or drop `--record-mode`.")
        if disabled:
            return ("`--disable-recording` turns pytest-recording off, so a replay would have no cassette to "
                    "play and every check would try the (blocked) network. Drop it; it is meant for live runs "
                    "that should record nothing (`--zd-target=URL --disable-recording`).")
    elif mode not in (None, "all"):
        return (f"`--record-mode={mode}` does not apply to a live run against {target.slug}: a live run "
                "re-records every check it runs (as `all` does), writing each cassette atomically only when "
                "its check completes"
                f"{'; `rewrite` would first delete the committed cassette' if mode == 'rewrite' else ''}. "
                "Drop `--record-mode`, or use `--disable-recording` to record nothing.")
    return None
