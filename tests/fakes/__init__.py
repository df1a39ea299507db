"""Small HTTP servers standing in for third parties (only those are ever faked)."""
