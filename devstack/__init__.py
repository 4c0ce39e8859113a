"""Development tooling that runs the stack on one machine (never deployed)."""
