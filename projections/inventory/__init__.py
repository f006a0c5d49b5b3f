"""Stock: every vehicle of the group with its status, positions and aging."""
