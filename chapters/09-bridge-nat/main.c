/* SPDX-License-Identifier: MIT */
/*
 * Chapter 9: bridges, host-only networks, NAT and VLANs.
 *
 * This chapter's work is on the host's side of the TAP: the bridge the
 * TAPs are ports of, the gateway address, ip_forward, the MASQUERADE
 * rule, dnsmasq, the VLAN tags (kvmlab-net, beside this file).  The
 * guests are chapter 8's, whose stack now has a DHCP client
 * (guest/net/dhcp.c): they take an address from dnsmasq, then ping.
 *
 * So chapter 9 adds no VMM code.  build/ch09 is chapter 8's VMM with its
 * own name and title, booting ch09.elf (chapter 8's guest, linked again)
 * with --cmdline "dhcp" by default.  Rather than a copy of chapter 8's
 * main.c, which would drift from it, this file sets the few names that
 * main.c leaves open and includes it.
 */
#define CHAPTER_BINARY	"ch09"
#define CHAPTER_TITLE	"chapter 8's guests on bridges, NAT and VLANs"
#define CHAPTER_MODEL	"kvmlab chapter 9: bridges, NAT and VLANs"
#define CHAPTER_GUEST	"ch09.elf"
#define CHAPTER_CMDLINE "dhcp"

#include "../08-virtio-net/main.c"
