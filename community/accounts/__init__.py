"""Accounts: registration, login, profiles, settings, export and deletion."""
