"""Knowledge gaps: "did this answer?", the search log and agents' questions."""
