"""Source clients: fetch and parse, yield plain records. Never touch the database."""
