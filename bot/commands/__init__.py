"""CLI commands, one module per area; each exposes COMMANDS, a list of click commands or groups."""
