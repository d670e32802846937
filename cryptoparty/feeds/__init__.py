"""Feeds: iCalendar, Atom, the organization page and share links."""
