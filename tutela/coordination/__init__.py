"""Coordination workspace: meetings, action points, alerts, recommendations (issue 5)."""
