package web_test

import "strconv"

func strconvF(f float64) string { return strconv.FormatInt(int64(f), 10) }
