package payments

import "testing"

func TestLuhn(t *testing.T) {
	cases := map[string]bool{
		"4111111111111111": true,
		"6011111111111117": true,
		"6011-4384-8624-4667": false,
		"9249 1284 7448 4368": true, // luhn ok, unknown issuer
	}
	for n, want := range cases {
		if Luhn(n) != want {
			t.Errorf("%s", n)
		}
	}
}
