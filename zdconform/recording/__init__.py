"""Cassettes: the store and its manifest, scrubbing and the leak gate, matching, the offline guard."""
