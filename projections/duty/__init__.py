"""The duty view: who works when, for routing and the team pages."""
