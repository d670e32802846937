"""Ticket codes: entropy, alphabet, normalisation, keyed hash and check-in tag."""

import math
import re

import pytest

from cryptoparty.registration import codes


def test_new_code_has_80_bits_in_16_unambiguous_characters():
    code = codes.new_code()
    assert len(code) == 16
    assert codes.CODE_LENGTH * math.log2(len(codes.ALPHABET)) >= 80
    assert re.fullmatch(f"[{codes.ALPHABET}]{{16}}", code)
    assert not set("ILOU") & set(codes.ALPHABET)


def test_codes_do_not_repeat_and_use_the_whole_alphabet():
    drawn = [codes.new_code() for _ in range(2000)]
    assert len(set(drawn)) == len(drawn)
    assert set("".join(drawn)) == set(codes.ALPHABET)


def test_display_groups_by_four():
    assert codes.display("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs", "  abcdefghjkmnpqrs\n",
    "ABCD.EFGH.JKMN.PQRS", "abcd–efgh—jkmn-pqrs",
])
def test_normalize_accepts_what_people_type(typed):
    assert codes.normalize(typed) == "ABCDEFGHJKMNPQRS"


def test_normalize_reads_look_alike_letters_as_digits():
    assert codes.normalize("OIL0-1234-5678-9ABC") == "0110123456789ABC"


@pytest.mark.parametrize("typed", [
    "", "ABCD", "ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRST", "ABCD-EFGH-JKMN-PQR!",
    "ÀBCD-EFGH-JKMN-PQRS", "U" * 16, "A" * 200, None, 12,
])
def test_normalize_refuses_what_cannot_be_a_code(typed):
    assert codes.normalize(typed) is None


def test_hash_is_keyed_hex_sha256_and_never_the_code():
    code = codes.new_code()
    first = codes.hash_code(code, "secret-one")
    assert re.fullmatch("[0-9a-f]{64}", first)
    assert first == codes.hash_code(code, "secret-one")
    assert first != codes.hash_code(code, "secret-two")
    assert code.lower() not in first


def test_check_tag_is_short_stable_and_derived_from_the_hash():
    code_hash = codes.hash_code("ABCDEFGHJKMNPQRS", "s")
    tag = codes.check_tag(code_hash)
    assert len(tag) == codes.TAG_LENGTH
    assert tag == codes.check_tag(code_hash)
    assert re.fullmatch(f"[{codes.ALPHABET}]+", tag)
    assert tag not in "ABCDEFGHJKMNPQRS"
    tags = {codes.check_tag(codes.hash_code(codes.new_code(), "s")) for _ in range(500)}
    assert len(tags) >= 495  # 25 bits: collisions are rare
