"""Access: management levels (jurisdictions), users, roles, tokens and scoping."""
