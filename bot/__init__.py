"""policybot: answers data-policy questions only from a curated, sourced knowledge base."""

__version__ = "0.1.0"
