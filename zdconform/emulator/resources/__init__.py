"""The API's resources: the endpoints, the mutable state they act on, and what they answer.

    oauth         OAuth clients and tokens: list, create, show, revoke; their JSON
    users         list users, users/me; the user and anonymous-user JSON
    state         live tokens and per-instance state; Principal and Call for handlers
    pagination    offset and cursor pages, and a list endpoint's 200 answer
    messages      Request, Response and the Zendesk error bodies
    clock         the wall clock or a frozen instant
"""
