"""What a check expects: the check context, the checks, schemas, endpoints and the token ledger."""
