"""Notifications: what happened that a member should know about."""
