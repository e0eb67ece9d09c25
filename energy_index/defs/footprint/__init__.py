"""Our own footprint: CodeCarbon around every step, country grids, accuracy against carbon."""
