"""The data inventory names every column of the database, and only those."""

import pytest
from markupsafe import escape

from cryptoparty.core.extensions import db
from cryptoparty.privacy import inventory


@pytest.fixture
def model_columns(app):
    return {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables
            for column in table.columns}


def test_every_model_column_is_in_the_inventory(model_columns):
    missing = sorted(model_columns - inventory.field_names())
    assert not missing, f"declare these columns in cryptoparty/privacy/inventory.py: {missing}"


def test_the_inventory_names_no_column_that_does_not_exist(model_columns):
    unknown = sorted(inventory.field_names() - model_columns)
    assert not unknown, f"these columns no longer exist: {unknown}"


def test_every_field_has_purpose_basis_and_retention_in_both_languages():
    assert len(inventory.FIELDS) == len(inventory.field_names())  # no column twice
    for field in inventory.FIELDS:
        for text in (field.description, field.activity.purpose, field.activity.legal_basis,
                     field.retention):
            for language in inventory.LANGUAGES:
                assert text[language].strip(), (field.name, language)
        assert "6(1)" in field.activity.legal_basis["en"], field.name


def test_privacy_page_renders_the_inventory_in_both_languages(client):
    english = client.get("/privacy?lang=en").get_data(as_text=True)
    french = client.get("/privacy?lang=fr").get_data(as_text=True)
    for field in inventory.FIELDS:
        if field.activity.personal:
            assert str(escape(field.description["en"])) in english, field.name
            assert str(escape(field.description["fr"])) in french, field.name
    assert "Anonymous registration for an event" in english
    assert "Inscription anonyme à un événement" in french
    assert "tickets.code_hash" in english


def test_the_record_of_processing_is_for_the_organizers_of_the_organization(
        app, organizer_client, make_org, client):
    response = organizer_client.get("/manage/orgs/bib/record-of-processing?lang=fr")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Registre des activités de traitement" in text
    assert "Bibliothèque municipale" in text  # the controller
    for field in inventory.FIELDS:
        assert field.name in text
    make_org(slug="autre", name="Autre")
    assert organizer_client.get("/manage/orgs/autre/record-of-processing").status_code == 404


def test_the_record_downloads_as_a_pdf(organizer_client):
    response = organizer_client.get("/manage/orgs/bib/record-of-processing.pdf?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    account = organizer_client.get("/manage/account/").get_data(as_text=True)
    assert "/manage/orgs/bib/record-of-processing" in account
