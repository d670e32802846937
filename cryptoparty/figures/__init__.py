"""Figures: aggregated counts that outlive the tickets, and the board's report."""
