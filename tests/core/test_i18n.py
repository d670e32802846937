"""Both languages are complete."""

from cryptoparty.core.i18n_catalog import missing_translations, source_messages


def test_every_string_has_a_french_translation():
    missing = missing_translations("fr")
    assert not missing, "\n".join(f"{places[0]}: {msgid!r}" for msgid, places in missing.items())


def test_the_extractor_finds_templates_and_code():
    messages = source_messages()
    assert any("templates/" in place for places in messages.values() for place in places)
    assert any("cryptoparty/registration/services.py" in p
               for places in messages.values() for p in places)


#: Counts shown with gettext rather than ngettext, each reviewed: the number is never 0
#: or 1 (a configured minimum, a limit, a count that is at least 2), or no noun agrees with
#: it (a rank, an error code, "of 12"). A new one fails here until it goes through
#: ngettext or is added with its reason (issue 15: « 1 arrivés »).
SINGULAR_COUNTS = {
    "Error %(status)d",  # an HTTP status
    "The capacity must be between 1 and %(maximum)d.",  # a configured maximum
    "The password must have at least %(minimum)d characters.",  # at least 8
    "of %(capacity)d",  # no noun
    "“%(field)s” is too long: at most %(maximum)d characters.",  # a limit
    "Note %(num)d",  # a rank
    "%(num)d min",  # an abbreviation
    "This block holds %(count)d keys; exactly one is expected.",  # raised from 2 keys
    "This is too large: at most %(limit)d bytes are accepted.",  # a limit
    "This key is too large: at most %(limit)d bytes are accepted.",  # a limit
    "This text is too large: at most %(limit)d bytes are accepted.",  # a limit
    "This key is too weak (%(algorithm)s, %(bits)d bits): use Ed25519 or RSA of at least "
    "2048 bits.",  # key sizes
    "This text has %(length)d characters; at most %(limit)d fit in this channel.",  # > limit
    "At most %(max)d characters.",  # a limit
    "Choose a pseudonym of 1 to %(maximum)d characters.",  # a limit
    "The contact may hold at most %(maximum)d characters.",  # a limit
    "The duration must be between %(minimum)d and %(maximum)d minutes.",  # limits
    "Tick skills from the list, and describe others in at most %(maximum)d characters.",
    "The new number of people must be smaller than the current one (%(party)d) and at least "
    "1.",  # no noun agrees
    "The number of people must be a whole number between 1 and %(maximum)d.",  # a limit
    "Waiting list: number %(position)d",  # a rank
    "Page %(number)d",  # a page's number, not a count (pagination)
    "%(taken)d of %(capacity)d",  # no noun
    "it is larger than %(size)d KB.",  # a limit
    "%(count)d volunteers facilitate this workshop together: it cannot go back to one "
    "facilitator. Withdraw or decline co-facilitators first, then try again.",  # 2 or more
    "“%(field)s” must be a list of at most %(maximum)d whole numbers.",  # a limit
    "At most %(maximum)d websites may show the embeds.",  # a limit
    "This rule makes more than %(maximum)d dates: add an end (UNTIL or COUNT) or make it "
    "shorter.",  # a limit
    "from %(age)d years old",  # an age limit, never 1
    "“%(title)s”: you are number %(position)d on the waiting list.",  # a rank
    # Kept by describe() for the docs; shown through ngettext (CapacityBelowTaken,
    # WithdrawalClosed).
    "%(taken)d seats are already taken: the capacity cannot be lower.",
    "Withdrawals closed %(hours)d hours before the event. Please tell the organizers "
    "directly.",
}


def test_every_count_shown_goes_through_ngettext_or_is_reviewed():
    import re

    from babel.messages.extract import extract_from_dir

    from cryptoparty.core import i18n_catalog as catalog

    singular = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(catalog.ROOT), catalog.METHOD_MAP, catalog.OPTIONS, keywords=catalog.KEYWORDS):
        if isinstance(message, str) and re.search(r"%\(\w+\)d", message):
            singular.add(message)
    assert singular - SINGULAR_COUNTS == set()
