"""5W: who does what, where, when, for whom (issue 3). Plugs into tutela.core."""
