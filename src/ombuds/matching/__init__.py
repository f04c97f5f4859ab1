"""Matching: signal types, indexes (exact, perceptual, text) and the lexicon compiler."""
