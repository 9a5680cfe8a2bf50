"""Moderation: the queue where moderators find what needs them."""
