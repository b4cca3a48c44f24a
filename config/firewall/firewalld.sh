#!/bin/sh
# Lets machbox's container links through a host that runs firewalld (the
# seed's recipe).  Run once as root, naming the host side of each machine's
# link (ve-NAME; `ip -br link` lists them, long names are shortened):
#
#   sh firewalld.sh ve-debian ve-tumbleweed
#
# ZONE: the zone made for the links (default machbox).  EGRESS: the zones
# the machines may reach and that masquerade them (default "public"; a
# laptop may want "public home work").  Masquerading here is firewalld's:
# set Masquerade=no in /etc/machbox/machbox.conf to leave it to firewalld.
set -eu
ZONE=${ZONE:-machbox}
EGRESS=${EGRESS:-public}
POLICY=${POLICY:-$ZONE-out}
fw() { firewall-cmd --permanent "$@"; }

# a zone for the links; the guests ask the host's DHCP server for a lease
fw --info-zone="$ZONE" >/dev/null 2>&1 || fw --new-zone="$ZONE"
fw --zone="$ZONE" --add-service=dhcp
fw --zone="$ZONE" --add-service=dhcpv6-client
for ifname in "$@"; do
	fw --zone="$ZONE" --add-interface="$ifname"
done

# masquerade on the zones the traffic leaves by
for z in $EGRESS; do
	fw --zone="$z" --add-masquerade
done

# a policy that lets the links' traffic be forwarded out
fw --info-policy="$POLICY" >/dev/null 2>&1 || fw --new-policy="$POLICY"
fw --policy="$POLICY" --add-ingress-zone="$ZONE"
for z in $EGRESS; do
	fw --policy="$POLICY" --add-egress-zone="$z"
done
fw --policy="$POLICY" --set-target=ACCEPT

firewall-cmd --reload
