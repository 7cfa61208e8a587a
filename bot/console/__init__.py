"""Console front end on the same service as Discord. No discord import."""
