"""Pay periods and their approved payout snapshots, as lists and as chargeback lookups."""
