"""Recording a look at a document's public verification page (DESIGN §6).

The holder sees when their document was verified and with which browser; nobody needs to know
by whom. So a ``Verification`` keeps coarse client information only: the network the address
belongs to (IPv4 /24, IPv6 /48, the granularity of an office or a provider's customer) and the
browser family, crudely read from the User-Agent. Neither the full address nor the User-Agent
string is ever stored.
"""

from __future__ import annotations

import ipaddress

from documents.models import IssuedDocument, Verification

IPV4_PREFIX = 24
IPV6_PREFIX = 48
OTHER_CLIENT = "other"

# (marker in the User-Agent, family), first match wins. The order matters: Edge and Opera
# also say "Chrome", Chrome also says "Safari", Chrome and Firefox on iOS say neither.
BROWSER_MARKERS: tuple[tuple[str, str], ...] = (
    ("edg/", "Edge"),
    ("edga/", "Edge"),
    ("edgios/", "Edge"),
    ("opr/", "Opera"),
    ("opera", "Opera"),
    ("samsungbrowser/", "Samsung Internet"),
    ("ucbrowser/", "UC Browser"),
    ("firefox/", "Firefox"),
    ("fxios/", "Firefox"),
    ("crios/", "Chrome"),
    ("chrome/", "Chrome"),
    ("chromium/", "Chrome"),
    ("safari/", "Safari"),
)
# Scanners and scripts are not people with browsers, whatever else their User-Agent claims.
NON_BROWSER_MARKERS = ("bot", "crawl", "spider", "curl/", "wget/", "python", "headless")
CLIENT_FAMILIES = frozenset({family for _marker, family in BROWSER_MARKERS} | {OTHER_CLIENT})


def coarse_network(ip: str | None) -> str:
    """``203.0.113.0/24`` for ``203.0.113.77``, ``2001:db8:1::/48`` for an IPv6 address, ``""``
    when there is no valid address. An IPv4 address mapped into IPv6 counts as IPv4."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def browser_family(user_agent: str | None) -> str:
    """One of ``CLIENT_FAMILIES``: the browser family, or ``"other"`` for anything else."""
    agent = (user_agent or "").lower()
    if not agent or any(marker in agent for marker in NON_BROWSER_MARKERS):
        return OTHER_CLIENT
    return next((family for marker, family in BROWSER_MARKERS if marker in agent), OTHER_CLIENT)


def verification_record(*, document: IssuedDocument, ip: str | None, user_agent: str | None) -> Verification:
    """Log one look at ``document``'s verification page, with coarse client information only."""
    return Verification.objects.create(
        document=document, network=coarse_network(ip), client=browser_family(user_agent)
    )
