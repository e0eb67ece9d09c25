"""Energy modelling on the benchmark marts: GPU comparison and what-if scenarios."""
