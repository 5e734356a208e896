"""Trainer material: session packs, cross-document comparison, the silence map, the reflective
question bank, and the pack formats (DOCX, Markdown, PDF, PPTX)."""
