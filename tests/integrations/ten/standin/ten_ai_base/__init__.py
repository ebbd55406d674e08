"""A stand-in for ``ten_ai_base`` 0.7 (contract spec 1.1-1.10, 1.15), used only when absent."""
