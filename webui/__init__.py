"""The web UI and JSON API (Flask). Not built yet: see the issues."""
