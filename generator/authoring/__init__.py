"""Helping people write records: scaffolds, imports, CODEOWNERS and the governance diff."""
