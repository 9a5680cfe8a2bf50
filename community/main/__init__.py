"""Site-wide pages: home, the guide shortcut, health check."""
