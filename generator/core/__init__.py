"""The pipeline's core: load → validate → evaluate, over plain typed records (model.py)."""
