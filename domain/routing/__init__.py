"""Lead routing: the rules a store's manager chooses, the pure decision, the per-store rotation."""
