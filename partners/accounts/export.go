package accounts

import (
	"context"
	"io"
	"strings"

	"github.com/partnerhub/partnerhub/exchange/imports"
	"github.com/partnerhub/partnerhub/partners"
)

// ExportColumns are the account CSV columns, named as the import reads them.
var ExportColumns = []string{"name", "domains", "cnpj", "duns", "vat", "industry", "size", "region", "street", "city", "state", "postal_code", "country", "tags", "owner"}

// Export writes the accounts the actor may see under the filter as CSV (UTF-8,
// comma), page by page, in the columns Import reads. A cell a spreadsheet would
// read as a formula is written with a leading quote (imports.SafeWriter).
func (s *Service) Export(ctx context.Context, a partners.Actor, f Filter, w io.Writer) (int, error) {
	cw := imports.NewSafeWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return 0, err
	}
	n := 0
	f.Limit = 200
	for {
		page, next, err := s.List(ctx, a, f)
		if err != nil {
			return n, err
		}
		for _, x := range page {
			if err := cw.Write([]string{x.Name, strings.Join(x.Domains, ";"), x.CNPJ, x.DUNS, x.VAT, x.Industry, x.Size, x.Region, x.Street, x.City, x.State,
				x.PostalCode, x.Country, strings.Join(x.Tags, ";"), x.OwnerOrgNm}); err != nil {
				return n, err
			}
			n++
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	cw.Flush()
	return n, cw.Error()
}
