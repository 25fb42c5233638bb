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
		if err := writeAccounts(cw, page); err != nil {
			return n, err
		}
		n += len(page)
		if next == "" {
			break
		}
		f.Cursor = next
	}
	cw.Flush()
	return n, cw.Error()
}

// ExportPage writes one page of the list as CSV, as Export: the page that
// List (or Page, for a previous page's cursor) returns for f, in its order.
func (s *Service) ExportPage(ctx context.Context, a partners.Actor, f Filter, w io.Writer) (int, error) {
	cw := imports.NewSafeWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return 0, err
	}
	p, err := s.Page(ctx, a, f)
	if err != nil {
		return 0, err
	}
	if err := writeAccounts(cw, p.Accounts); err != nil {
		return 0, err
	}
	cw.Flush()
	return len(p.Accounts), cw.Error()
}

func writeAccounts(cw imports.SafeWriter, page []Account) error {
	for _, x := range page {
		if err := cw.Write([]string{x.Name, strings.Join(x.Domains, ";"), x.CNPJ, x.DUNS, x.VAT, x.Industry, x.Size, x.Region, x.Street, x.City, x.State,
			x.PostalCode, x.Country, strings.Join(x.Tags, ";"), x.OwnerOrgNm}); err != nil {
			return err
		}
	}
	return nil
}
