"""Mentorship: mentor profiles, the directory and the request workflow."""
