"""Used stock: every used car with its source, recon, T2L and disposal; stores' aged policies."""
