"""Kits: printable PDFs (poster, facilitator sheets, door signs...) and the workshop catalogue."""
