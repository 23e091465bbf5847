"""The committed register of authorities agrees with ONS/DfE's lookup in the data directory."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from oversight.data.domain import register

VINTAGE_DAY = {  # a day each boundary vintage serves (PROVENANCE.md)
    "in_2018": dt.date(2018, 12, 31),
    "in_2019": dt.date(2019, 12, 31),
    "in_2020": dt.date(2020, 12, 31),
    "in_2021": dt.date(2022, 12, 31),
    "in_2023": dt.date(2023, 12, 31),
    "in_2025": dt.date(2025, 6, 30),
}


@pytest.fixture(scope="module")
def lookup(data_dir):
    with (data_dir / "boundaries" / "utla_regions.csv").open(newline="", encoding="utf-8") as fh:
        return {r["code"]: r for r in csv.DictReader(fh)}


def test_every_code_name_region_and_dfe_number_agrees(lookup):
    codes = {row.code: row for row in register.load_codes()}
    assert set(lookup) <= set(codes), f"missing from the register: {sorted(set(lookup) - set(codes))}"
    for code, ons in lookup.items():
        mine = codes[code]
        assert mine.name == ons["name"], code
        assert mine.region_code == ons["region_code"], code
        assert mine.dfe_code == ons["old_la_code"], code


def test_validity_dates_match_the_boundary_vintages(lookup):
    codes = {row.code: row for row in register.load_codes()}
    for code, ons in lookup.items():
        for column, day in VINTAGE_DAY.items():
            assert codes[code].valid_on(day) == (ons[column] == "1"), (code, column)


def test_regions_in_code_order(lookup):
    regions = register.load_regions()
    assert [c for c, _ in regions] == [f"E1200000{i}" for i in range(1, 10)]
    names = {r["region_code"]: r["region_name"] for r in lookup.values()}
    assert dict(regions) == names


def test_reorganisations_of_domain_section_1():
    lineages = {lin.key: lin for lin in register.lineages()}
    by_code = {c.code: lin for lin in lineages.values() for c in lin.codes}
    # Recodes keep one authority ...
    for old, new in [
        ("E10000002", "E06000060"),
        ("E10000023", "E06000065"),
        ("E10000027", "E06000066"),
        ("E08000016", "E08000038"),
        ("E08000019", "E08000039"),
    ]:
        assert by_code[old] is by_code[new]
    # ... merges and splits start new ones, linked to their predecessors.
    codes = {c.code: c for c in register.load_codes()}
    assert set(codes["E06000058"].predecessors) == {"E06000028", "E06000029", "E10000009"}
    assert codes["E06000061"].predecessors == ("E10000021",) == codes["E06000062"].predecessors
    assert codes["E06000063"].predecessors == ("E10000006",) == codes["E06000064"].predecessors
    assert by_code["E10000021"] is not by_code["E06000061"]


@pytest.mark.parametrize(
    ("ofsted", "ons"),
    [
        ("Bristol", "Bristol, City of"),
        ("St Helens", "St. Helens"),
        ("Telford & Wrekin", "Telford and Wrekin"),
        ("Kingston Upon Hull", "Kingston upon Hull, City of"),
        ("Richmond Upon Thames", "Richmond upon Thames"),
        ("Durham", "County Durham"),
        ("Herefordshire", "Herefordshire, County of"),
        ("Bedford Borough", "Bedford"),
        ("Southend on Sea", "Southend-on-Sea"),
        ("Bournemouth, Christchurch & Poole", "Bournemouth, Christchurch and Poole"),
    ],
)
def test_name_variants_fold_to_one_key(ofsted, ons):
    assert register.name_key(ofsted) == register.name_key(ons)
