"""HTTP to a tenant: auth objects per method, the client, retries and rate-limit pacing."""
