"""Follow-up tasks: the next follow-up of open leads and the calls (回访) after a delivery."""
