"""Daily activity and results of each salesperson, by store and business day."""
