"""Pay: pay plans and their components, the pay engine, statements, pay periods and payroll."""
