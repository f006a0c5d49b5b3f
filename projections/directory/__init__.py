"""The directory: lists of stores, staff, customers, leads and deals for the API."""
