"""A Discord bot that answers fan questions from a curated, sourced knowledge store."""
