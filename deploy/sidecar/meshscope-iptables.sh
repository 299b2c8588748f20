#!/bin/sh
# Redirects a pod's TCP traffic through its meshscope agent, as istio-init does (istio-iptables):
#   inbound  : every TCP port of the pod        -> agent inbound  15006 (PREROUTING)
#   outbound : every TCP connection the app opens -> agent outbound 15001 (OUTPUT)
# The agent's own connections (its uid, AGENT_UID) and loopback traffic are never redirected, or every
# request the agent forwards would loop back into it. Needs CAP_NET_ADMIN in the pod's network namespace;
# runs once in an init container and exits.
set -eu

AGENT_UID="${AGENT_UID:-1337}"
INBOUND_PORT="${INBOUND_PORT:-15006}"
OUTBOUND_PORT="${OUTBOUND_PORT:-15001}"
# the admin port (15000: probes and /metrics) is reached directly. Not the outbound 15001: it calls the
# mesh as this workload, so what other pods send to it goes to the inbound 15006 like any other port (it
# also listens on loopback only). 15006 redirected to itself changes nothing.
EXCLUDE_INBOUND_PORTS="${EXCLUDE_INBOUND_PORTS:-15000}"
# DNS over TCP goes straight out; add e.g. a database port the agent should not carry
EXCLUDE_OUTBOUND_PORTS="${EXCLUDE_OUTBOUND_PORTS:-53}"
IPTABLES="${IPTABLES:-iptables-nft}"

ipt() { "$IPTABLES" -t nat "$@"; }

ipt -N MESHSCOPE_INBOUND
ipt -N MESHSCOPE_IN_REDIRECT
ipt -N MESHSCOPE_OUTPUT
ipt -N MESHSCOPE_REDIRECT

ipt -A MESHSCOPE_IN_REDIRECT -p tcp -j REDIRECT --to-ports "$INBOUND_PORT"
ipt -A MESHSCOPE_REDIRECT -p tcp -j REDIRECT --to-ports "$OUTBOUND_PORT"

# inbound
for port in $(echo "$EXCLUDE_INBOUND_PORTS" | tr ',' ' '); do
  ipt -A MESHSCOPE_INBOUND -p tcp --dport "$port" -j RETURN
done
ipt -A MESHSCOPE_INBOUND -p tcp -j MESHSCOPE_IN_REDIRECT
ipt -A PREROUTING -p tcp -j MESHSCOPE_INBOUND

# outbound
ipt -A MESHSCOPE_OUTPUT -m owner --uid-owner "$AGENT_UID" -j RETURN
ipt -A MESHSCOPE_OUTPUT -o lo -j RETURN
ipt -A MESHSCOPE_OUTPUT -d 127.0.0.1/32 -j RETURN
for port in $(echo "$EXCLUDE_OUTBOUND_PORTS" | tr ',' ' '); do
  ipt -A MESHSCOPE_OUTPUT -p tcp --dport "$port" -j RETURN
done
ipt -A MESHSCOPE_OUTPUT -p tcp -j MESHSCOPE_REDIRECT
ipt -A OUTPUT -p tcp -j MESHSCOPE_OUTPUT

"$IPTABLES" -t nat -S
