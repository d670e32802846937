"""The domain: plain functions over models, with explicit arguments.

Services never touch ``request``, ``session``, ``g`` or ``flash``; they take
``now`` where time matters and raise ``DomainError`` subclasses that views turn
into a message for the person. Every write goes through ``database.atomic``.
"""
