"""The texts every scenario speaks (the same for every client)."""

from __future__ import annotations

SENTENCE = "Sure, I can help with that. Your order shipped this morning."
PARAGRAPH = (
    "Thanks for waiting. I looked into your account and found two charges from last week. "
    "The first one is your regular monthly plan, and the second is a one-time fee for the "
    "extra data you used while travelling."
)
# Replies of a support conversation: one to three sentences, 60 to 230 characters.
REPLIES = (
    "Sure, I can help with that. Could you tell me your order number?",
    "Thanks. I found the order. It shipped this morning and should arrive on Thursday.",
    "The tracking number is in the email we sent you. Do you want me to send it again?",
    "Done. You should see it in a minute. Is there anything else I can do for you today?",
    "Of course. The second charge is a one-time fee for extra data you used while travelling. "
    "I can refund half of it as a courtesy. Would that work for you?",
    "Great, the refund is on its way. It takes three to five business days to appear.",
    "I understand. Let me check whether a roaming plan would have been cheaper for your trip.",
    "It would have saved you about twelve dollars. I can switch you to it before your next "
    "trip, and it costs nothing while you stay at home. Shall I do that now?",
    "All set. The plan starts with your next billing cycle on the first of the month.",
    "You're welcome. Thanks for calling, and have a lovely afternoon.",
)


def long_text(chars: int) -> str:
    """About ``chars`` characters of prose (whole replies, cut at a word)."""
    out = ""
    i = 0
    while len(out) < chars:
        out += ("" if not out else " ") + REPLIES[i % len(REPLIES)]
        i += 1
    cut = out[:chars]
    return cut[: cut.rfind(" ")] + "." if " " in cut else cut
