"""Monthly leaderboards of salespeople: by store and across the group."""
