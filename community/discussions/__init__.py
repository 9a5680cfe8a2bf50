"""Discussions: posts (the guide first among them), comments, votes, threads."""
