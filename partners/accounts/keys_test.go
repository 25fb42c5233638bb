package accounts

import (
	"testing"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"acme.com":                      "acme.com",
		"https://WWW.Shop.Acme.co.uk/x": "acme.co.uk",
		"sales@Mail.Example.COM.br":     "example.com.br",
		"loja.com.br:8080":              "loja.com.br",
		"münchen.de":                    "xn--mnchen-3ya.de",
		"foo.blogspot.com":              "foo.blogspot.com",
	} {
		got, err := NormalizeDomain(in)
		if err != nil || got != want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "co.uk", "not a domain", "http://"} {
		if _, err := NormalizeDomain(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("NormalizeDomain(%q) accepted", bad)
		}
	}
}

func TestNormalizeCNPJ(t *testing.T) {
	for in, want := range map[string]string{
		"11.222.333/0001-81": "11222333000181",
		"11222333000181":     "11222333000181",
		"12.ABC.345/01DE-35": "12ABC34501DE35", // the alphanumeric form's published example
		"":                   "",
	} {
		got, err := NormalizeCNPJ(in)
		if err != nil || got != want {
			t.Errorf("NormalizeCNPJ(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"11.222.333/0001-82", "11111111111111", "123", "12.ABC.345/01DE-36", "12ABC34501DEAB"} {
		if _, err := NormalizeCNPJ(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("NormalizeCNPJ(%q) accepted", bad)
		}
	}
}

func TestNormalizeDUNS(t *testing.T) {
	if got, err := NormalizeDUNS("15-048-3782"); err != nil || got != "150483782" {
		t.Errorf("NormalizeDUNS = %q, %v", got, err)
	}
	for _, bad := range []string{"12345678", "1234567890", "000000000", "abc"} {
		if _, err := NormalizeDUNS(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("NormalizeDUNS(%q) accepted", bad)
		}
	}
}
