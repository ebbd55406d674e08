"""Stand-in of ``ten_ai_base/utils.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/utils.py``, version 0.7.41 = commit e385b33). Rewritten for tests: same
public names, signatures and values (including the masking rule: a fifth of the key, at most 5
characters, at each end; a key shorter than 5 characters is returned whole).
"""


def encrypt(key: str) -> str:
    step = min(len(key) // 5, 5)
    if step <= 0:
        return key
    return f"{key[:step]}...{key[-step:]}"
