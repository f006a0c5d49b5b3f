"""CSI surveys as lists: one row per survey, with the salespeople it is credited to."""
