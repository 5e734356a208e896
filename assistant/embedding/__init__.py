"""Embeddings: the Embedder protocol and its runtimes, routes, and the offline model export."""
