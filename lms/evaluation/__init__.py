"""Evaluating training: KPI data per agent and month, customer ratings and their reviews
(and, later, the Phillips levels 1-5)."""
