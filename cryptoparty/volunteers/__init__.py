"""Volunteers: the call for facilitators, pseudonymous sign-up, claims and proposals."""
