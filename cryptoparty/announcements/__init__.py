"""Announcements: the organization's OpenPGP keys, signed announcements, the Web Key Directory."""
