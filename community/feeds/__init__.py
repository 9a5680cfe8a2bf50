"""Atom feeds: new posts, new comments on a post, newly published events.

``queries`` reads the rows (authors loaded with them), ``atom`` turns them into Atom with
feedgen, ``views`` serves them with cache headers.
"""
