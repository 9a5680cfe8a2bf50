"""Full-text search across posts, comments, events and mentors, on SQLite and PostgreSQL."""
