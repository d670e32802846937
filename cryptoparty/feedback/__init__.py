"""Feedback: anonymous ratings and comments after the evening, and their moderation."""
