"""Probation: plan templates per position, mentoring and the end-of-probation attestation."""
