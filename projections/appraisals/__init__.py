"""Appraisals: the list and the look-to-book ratio (docs/trade-ins.md)."""
