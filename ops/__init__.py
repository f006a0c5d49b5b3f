"""Operations: the command line, demo data, backups and benchmarks."""
