"""The deferred tier: after delivery, decode and look closer (PDQ, OCR, document text)."""
