package accounts

// SetSearchCap lowers the number of search matches List reads by id, so a test
// can reach the ordered-walk case with a few accounts; it returns the restore.
func SetSearchCap(n int) func() {
	old := searchCap
	searchCap = n
	return func() { searchCap = old }
}
