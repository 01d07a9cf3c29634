"""Protection monitoring: incidents, community monitoring, early warning, PAU (issue 4)."""
