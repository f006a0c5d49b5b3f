"""The lead funnel: cohorts of leads by capture month, store and channel."""
