"""Managing people and the organisation: users, roles, departments, positions, mentors."""
