"""The answering core: knowledge, matching and answers. No Discord, no database."""
