package web

import "database/sql"

var errNoRows = sql.ErrNoRows
