package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/exchange/imports"
)

// exportCap is how many rows an export of every page writes at most: a list
// this component serves beyond it is exported through its API.
const exportCap = 10000

// sendCSV answers with rows (the first one the header) as a CSV download named
// for the list and the day, every cell safe from spreadsheet formulas.
func sendCSV(c *fiber.Ctx, name string, rows [][]string) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment(name+"-"+time.Now().UTC().Format("20060102")+".csv"))
	w := imports.NewSafeWriter(c.Response().BodyWriter())
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// memPage is a page of a list held whole in memory (one an organization keeps
// small: its partnerships, its API keys), sorted by the table's order, with
// keyset cursors as idCursor reads them: "a<id>" for the rows after the row
// id, "b<id>" for those before it, in the order shown. It sets the table's
// cursors, count shown and total, and returns the rows of the page. A cursor
// whose row is gone starts over at the first page.
func memPage[T any](t *table, c *fiber.Ctx, rows []T, id func(T) int64) ([]T, error) {
	t.Total = len(rows)
	before, after, err := t.idCursor(c)
	if err != nil {
		return nil, err
	}
	at := func(key int64) int {
		for i, r := range rows {
			if id(r) == key {
				return i
			}
		}
		return -1
	}
	lo, hi := 0, min(len(rows), t.Limit)
	switch {
	case after > 0:
		if i := at(after); i >= 0 {
			lo, hi = i+1, min(len(rows), i+1+t.Limit)
		}
	case before > 0:
		if i := at(before); i >= 0 {
			lo, hi = max(0, i-t.Limit), i
		}
	}
	t.From = lo + 1
	if hi < len(rows) && hi > lo {
		t.Next = "a" + strconv.FormatInt(id(rows[hi-1]), 10)
	}
	if lo > 0 && hi > lo {
		t.Prev = "b" + strconv.FormatInt(id(rows[lo]), 10)
	}
	t.Shown = hi - lo
	return rows[lo:hi], nil
}
