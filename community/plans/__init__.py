"""Transition plans: the guide's method made each member's own plan, learning resources,
portfolio projects and the map of paths members took."""
