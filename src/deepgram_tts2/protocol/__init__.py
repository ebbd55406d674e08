"""Sans-I/O Aura protocol: messages, query rules, limits, audio framing, segmentation, session rules."""
