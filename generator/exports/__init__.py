"""Reports of a check for people and machines: text, JSON, GitHub annotations, JUnit."""
