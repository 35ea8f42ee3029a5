"""The pytest glue of a conformance session.

- `plugin`: the entry point: options, markers and fixtures; at configure, the plan and the session.
- `session`: the session of one process, one hook per phase (start, collection, each check, the end).
- `xdist`: what a controller and its workers tell each other, under one key; a fleet's scheduler.
- `selection`: whether a session runs the checks, what it selected and whether it ran all of it.
- `cassettes`: where each check's cassette lives (fixtures a folder of checks imports in its conftest.py).
- `junit`, `terminal`, `signals`: pytest's junit.xml staged; lines and summaries; Ctrl-C and SIGTERM.
"""
