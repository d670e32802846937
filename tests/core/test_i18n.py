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
