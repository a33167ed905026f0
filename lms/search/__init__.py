"""Full-text search over the knowledge base: analyzer, index, queries."""
