"""Extraction: reading what content is (sniffing), later decoding images, OCR, document text."""
