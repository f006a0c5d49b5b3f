"""Read model of pay plans: plans, their versions and assignments, and who works where."""
