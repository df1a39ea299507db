"""Domain functions of the pro-membership ledger, one module per concept."""
