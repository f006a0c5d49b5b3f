"""The pages' routes, one module per area; each has a `router` and the `NAV` links it adds."""
