"""Real-world, messy CSV files and the end state each must reach (cases.py)."""
