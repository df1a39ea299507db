"""Writes of the courses app, one module per concept (see STYLE.md, rule 2)."""
