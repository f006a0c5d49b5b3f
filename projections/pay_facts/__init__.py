"""Pay facts: the deliveries, products and surveys pay is computed from, as known at any time."""
