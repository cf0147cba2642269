"""After a meeting: attendance, minutes, decisions, action items and the next meeting."""
