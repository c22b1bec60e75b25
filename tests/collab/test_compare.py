"""Comparing with the partners (issue 16): only packages about the analysis's country are set beside
its figures; the others are named in a sentence, never compared and never silently dropped."""

from __future__ import annotations

import dataclasses

from lnob_helpers.collab.compare import compare_with_partners
from lnob_helpers.collab.package import read_package
from lnob_helpers.config import Country, load_analysis


def test_packages_about_another_country_are_named_and_left_out(partners):
    analysis = load_analysis(partners.office_folder)
    network = read_package(partners.network_package)
    abroad = dataclasses.replace(network, manifest=network.manifest.model_copy(
        update={"country": Country(name="Elsewhere", iso3="XEL")}))
    compared = compare_with_partners(analysis, [network, abroad], "Our survey")
    assert compared.packages == (network,) and compared.elsewhere == (abroad,)
    assert set(compared.to_frame()["source"]) == {"Our survey", "Aruvia Women's Network"}
    assert compared.elsewhere_sentence() == (
        "Left out because they are about another country: Aruvia Women's Network (Elsewhere, XEL). Their "
        "figures stay in the store for the analyses of those countries.")
    alone = compare_with_partners(analysis, [network], "Our survey")
    assert alone.elsewhere == () and alone.elsewhere_sentence() == ""
    pd_equal = alone.to_frame().equals(compared.to_frame())
    assert pd_equal, "a package about another country changes nothing in the comparison"
