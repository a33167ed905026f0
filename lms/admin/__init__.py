"""Managing people and the organization: users, roles, departments, positions, mentors."""
