"""Knowledge base: articles, call scripts, answer templates and regulations."""
