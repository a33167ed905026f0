"""Skills catalogue, requirements, assessments and the department skill matrix."""
