"""Accounts: organizations, organizer accounts, login, the optional second factor."""
