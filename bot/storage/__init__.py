"""Storage behind a small domain-shaped protocol."""
