"""Visited networks a simulated device can attach to (operator, country, MCC/MNC, SGSN)."""

from __future__ import annotations

from mockbsc.domain.fleet.models import Network

NETWORKS: tuple[Network, ...] = (
    Network(1, "Telekom Deutschland", 74, "Germany", "de", "49", "262", "01",
            "51.000000", "9.000000", "491710000123", "80.187.0.10"),
    Network(2, "Vodafone", 74, "Germany", "de", "49", "262", "02",
            "51.000000", "9.000000", "491720000456", "62.134.0.20"),
    Network(90, "Plus", 157, "Poland", "pl", "48", "260", "01",
            "52.000000", "20.000000", "48601000738", "92.60.128.122"),
    Network(31, "Orange", 67, "France", "fr", "33", "208", "01",
            "46.000000", "2.000000", "33689000111", "193.252.0.5"),
    Network(40, "T-Mobile", 13, "Austria", "at", "43", "232", "03",
            "47.333333", "13.333333", "43676000222", "213.162.64.7"),
    Network(55, "Telia", 205, "Sweden", "se", "46", "240", "01",
            "62.000000", "15.000000", "46705000333", "195.67.0.8"),
)

DEFAULT_NETWORK = NETWORKS[0]


def network_by(operator: str | None = None, iso_code: str | None = None) -> Network | None:
    """The first known network matching an operator name or a country ISO code."""
    for network in NETWORKS:
        if operator and network.operator.lower() == operator.lower():
            return network
        if not operator and iso_code and network.iso_code == iso_code.lower():
            return network
    return None
