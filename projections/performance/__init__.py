"""Targets, scorecard definitions, evaluations and the ranking history kept for promotions."""
