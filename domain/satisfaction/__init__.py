"""Customer satisfaction (CSI): survey answers about delivered deals, credited to their sellers."""
