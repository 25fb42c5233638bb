package interchange

import (
	"math/big"
	"strings"

	"github.com/partnerhub/partnerhub/edi"
)

// SpecialPricing is the kind of the record family that special-pricing
// authorizations are applied through (partners/deals brings it): approved
// registrations upserted on the authorization number per sender.
const SpecialPricing = "special_pricing"

// PricingMappings are the mappings onto special-pricing registrations: the
// X12 845 (Price Authorization Acknowledgment/Status).
func PricingMappings() []Mapping {
	return []Mapping{{Standard: edi.X12, Set: "845", Map: map845}}
}

// map845 maps each CON loop of an 845 (a contract: the authorization) onto
// the end customer's account (its N1 EN loop, as an 816 party: name, DUNS,
// address, its PER contacts with an email) and a special-pricing row: the
// authorization number CON02, its validity (DTM 007 from, DTM 036 until;
// without an expiration the network's protection period applies), the
// products of its PAD loops (PID05 description, else the LIN03 product id,
// else the line) and their value (CTP03 price × CTP04 quantity) in the
// currency of CUR02, and a REF ZZ as reference. The header's parties (N1 SU, DS) are the sender
// and the receiver, not records.
func map845(set *edi.Set) ([]Row, error) {
	top, loops := walk(set)
	var currency *seg
	var head seg
	for i, s := range top {
		switch s.ID {
		case "CUR":
			currency = &top[i]
		case "BPA":
			head = s
		}
	}
	if currency == nil || strings.TrimSpace(currency.Value(2)) == "" {
		at := Place{Segment: head.pos, SegmentID: "BPA"}
		if currency != nil {
			at = currency.place(2, "100")
		}
		return nil, &MapError{Place: at, Missing: true, Msg: "CUR02 (the currency) is required to value the authorizations"}
	}
	var out []Row
	for _, con := range allLoops(loops, "CON") {
		rows, err := contract845(con, *currency)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	if len(out) == 0 {
		return nil, &MapError{Place: Place{Segment: 1, SegmentID: "ST"}, Missing: true, Msg: "the 845 has no CON loop"}
	}
	return out, nil
}

// dateISO writes a CCYYMMDD date as YYYY-MM-DD (anything else as it is, for
// the family to refuse, located).
func dateISO(v string) string {
	v = strings.TrimSpace(v)
	if len(v) == 8 && strings.Trim(v, "0123456789") == "" {
		return v[:4] + "-" + v[4:6] + "-" + v[6:]
	}
	return v
}

func contract845(con *loopInstance, currency seg) ([]Row, error) {
	head := con.segs[0]
	number := strings.TrimSpace(head.Value(2))
	if number == "" {
		return nil, &MapError{Place: head.place(2, "127"), Missing: true, Msg: "CON02 (the authorization number) is required"}
	}
	pr := Row{Family: SpecialPricing, At: head.place(0, ""), Values: map[string]string{"authorization": number, "currency": strings.TrimSpace(currency.Value(2))},
		Places: map[string]Place{"authorization": head.place(2, "127"), "sender": head.place(2, "127"), "currency": currency.place(2, "100")}}
	for _, s := range con.segs[1:] {
		switch {
		case s.ID == "DTM" && s.Value(1) == "036":
			pr.Values["valid_until"], pr.Places["valid_until"] = dateISO(s.Value(2)), s.place(2, "373")
		case s.ID == "DTM" && s.Value(1) == "007":
			pr.Values["valid_from"], pr.Places["valid_from"] = dateISO(s.Value(2)), s.place(2, "373")
		case s.ID == "REF" && s.Value(1) == "ZZ" && pr.Values["reference"] == "":
			pr.Values["reference"], pr.Places["reference"] = strings.TrimSpace(s.Value(2)), s.place(2, "127")
		}
	}
	var party *partyRows
	var products []string
	total := new(big.Rat)
	for _, sub := range con.subs {
		switch sub.id {
		case "N1":
			if len(sub.segs) == 0 || sub.segs[0].Value(1) != "EN" || party != nil {
				continue
			}
			p, err := party816(sub)
			if err != nil {
				return nil, err
			}
			// A contact without an email cannot be matched when the
			// authorization comes again (a changed 845): only those with one.
			kept := p.contacts[:0]
			for _, c := range p.contacts {
				if c.Values["emails"] != "" {
					kept = append(kept, c)
				}
			}
			p.contacts = kept
			party = p
			pr.Values["account"], pr.Places["account"] = p.account.Values["name"], p.account.Places["name"]
		case "PAD":
			product := ""
			for _, s := range sub.all() {
				switch s.ID {
				case "PID":
					if v := strings.TrimSpace(s.Value(5)); v != "" && product == "" {
						product = v
						if _, ok := pr.Places["products"]; !ok {
							pr.Places["products"] = s.place(5, "352")
						}
					}
				case "LIN":
					if v := strings.TrimSpace(s.Value(3)); v != "" && product == "" {
						product = v
					}
				case "CTP":
					price, ok := new(big.Rat).SetString(strings.TrimSpace(s.Value(3)))
					if !ok || price.Sign() < 0 {
						return nil, &MapError{Place: s.place(3, "212"), Data: s.Value(3), Missing: s.Value(3) == "", Msg: "CTP03 (the unit price) must be a price to value the authorization"}
					}
					qty := big.NewRat(1, 1)
					if q := strings.TrimSpace(s.Value(4)); q != "" {
						if qty, ok = new(big.Rat).SetString(q); !ok || qty.Sign() < 0 {
							return nil, &MapError{Place: s.place(4, "380"), Data: q, Msg: "CTP04 (the quantity) must be a number"}
						}
					}
					total.Add(total, price.Mul(price, qty))
					if _, ok := pr.Places["amount"]; !ok {
						pr.Places["amount"] = s.place(3, "212")
					}
				}
			}
			if product == "" {
				product = "Line " + strings.TrimSpace(sub.segs[0].Value(1))
			}
			products = append(products, product)
		}
	}
	if party == nil {
		return nil, &MapError{Place: head.place(0, ""), Missing: true, Msg: "an N1 EN loop (the end customer) is required in each CON loop"}
	}
	pr.Values["products"] = strings.Join(products, ";")
	amount := strings.TrimRight(strings.TrimRight(total.FloatString(4), "0"), ".")
	pr.Values["amount"] = amount
	return append(party.rows(), pr), nil
}
