"""The terminal adapter: chat with the coach with no tokens and no network."""
