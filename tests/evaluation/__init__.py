"""Tests of training evaluation: KPI data and the Phillips levels."""
