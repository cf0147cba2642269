"""Mail coming in: calendar replies (iTIP REPLY, COUNTER, REFRESH), plain answers,
automatic replies and bounces, stored first and then applied."""
