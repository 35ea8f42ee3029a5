"""The request pipeline: from a parsed request to the endpoint handler, and back.

    app           App: the route table; faults, rate limit, routing, credentials, scopes,
                  roles and Zendesk's response headers, behind one lock
    credentials   who is asking (Basic password, Basic API token, Bearer) and OAuth scopes
    faults        the armed fault plan: latency, 429s, 503s, connection resets
    ratelimit     the per-minute request budget
"""
