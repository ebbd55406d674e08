def encrypt(key: str) -> str:
    """Mask a secret the way ten_ai_base does (``abcde...vwxyz``; short keys fully)."""
    if len(key) <= 10:
        return "*" * len(key)
    return f"{key[:5]}...{key[-5:]}"
