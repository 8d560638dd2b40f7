"""Optional LLM generation: provider setup, the grounded prompt, and streaming with a deadline."""
