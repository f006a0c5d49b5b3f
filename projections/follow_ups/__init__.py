"""Follow-up tasks of open leads and after-delivery calls, by salesperson and day."""
