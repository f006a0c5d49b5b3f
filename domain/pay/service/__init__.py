"""The pay context's services: pay plans and assignments (`plans`), payroll (`payroll`)."""
