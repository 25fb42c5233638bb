package web

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ParseTrustedProxies reads a list of trusted proxies, addresses or CIDR ranges
// separated by commas or spaces (TRUSTED_PROXIES), into their canonical forms.
// An entry that is neither is an error naming it.
func ParseTrustedProxies(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		p, err := parseProxy(f)
		if err != nil {
			return nil, err
		}
		if p.IsSingleIP() {
			out = append(out, p.Addr().String())
		} else {
			out = append(out, p.String())
		}
	}
	return out, nil
}

func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("trusted proxy %q is not an address or a CIDR range (like 10.0.0.0/8)", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q is not an address or a CIDR range (like 10.0.0.0/8)", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// trustedPrefixes parses Config.TrustedProxies (checked by ParseTrustedProxies),
// skipping what does not parse.
func trustedPrefixes(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := parseProxy(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// clientIP is the address of whoever sent the request. Fiber decides, from
// TrustedProxies, whether the peer is a proxy we trust; if it is, the client is
// the nearest address in X-Forwarded-For that is not itself a trusted proxy,
// read from the right: proxies append the address they saw, so whatever stands
// left of that is the client's own claim and proves nothing. Otherwise the header
// is ignored and the peer is the client.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP().String()
	if len(s.trusted) == 0 || !c.IsProxyTrusted() {
		return peer
	}
	ips := c.IPs()
	for i := len(ips) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(ips[i])
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.isTrusted(a) {
			return a.String()
		}
	}
	if len(ips) > 0 {
		return ips[0] // a chain of trusted proxies only: the first is the client
	}
	return peer
}

func (s *Server) isTrusted(a netip.Addr) bool {
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
