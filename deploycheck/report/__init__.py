"""The report model, the rule vocabulary, which findings a run keeps, and every rendering of it."""
