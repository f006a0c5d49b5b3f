"""Stock reports: days ' supply, turnover, purchase guidance, aging as of a day, pipeline."""
