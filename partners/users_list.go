package partners

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// UserList is what the users list of an organization asks for (the portal's
// users page): its filters, its search, its order and its page. The list
// follows docs/LISTS.md: one statement per shape, keyset pages on the order's
// key and the id, read from the index users_org_name (migration 00039) or
// users_org.
type UserList struct {
	// Org is the organization listed: the actor's own (0), or another one for
	// the vendor's users.
	Org int64
	// Query is searched in the name and the email, without regard to case or
	// accents (both sides folded by ph_fold).
	Query string
	// Roles and Statuses keep the users with one of the values (none: any).
	Roles    []string
	Statuses []string
	// Sort is "name" (A to Z, the default), "created" (newest first), or
	// either with a leading "-" for the reverse.
	Sort   string
	Cursor string
	Limit  int
}

// UserSorts are the orders the users list offers.
var UserSorts = []string{"name", "-name", "created", "-created"}

// UserPage is a page of a users list with the cursors of the pages on either
// side ("" when there is none).
type UserPage struct {
	Users      []User
	Next, Prev string
}

type userCursor struct {
	Name string `json:"n,omitempty"`
	ID   int64  `json:"i"`
	Back bool   `json:"b,omitempty"`
}

func (k userCursor) encode() string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeUserCursor(s string) (userCursor, error) {
	var k userCursor
	if s == "" {
		return k, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &k) != nil || k.ID <= 0 {
		return k, apperr.Field("cursor", "is not a cursor this page gave out")
	}
	return k, nil
}

// checked fills in the list's defaults and checks it.
func (f UserList) checked(a Actor) (UserList, userCursor, error) {
	if f.Org == 0 {
		f.Org = a.Org
	}
	if f.Org != a.Org && !a.Scope().Vendor {
		return f, userCursor{}, apperr.E(apperr.Forbidden, "You may list the users of your own organization only.")
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	if !slices.Contains(UserSorts, f.Sort) {
		return f, userCursor{}, apperr.Field("sort", "must be one of %s", strings.Join(UserSorts, ", "))
	}
	for _, r := range f.Roles {
		if _, err := ParseRole(r); err != nil {
			return f, userCursor{}, err
		}
	}
	for _, st := range f.Statuses {
		if err := oneOf("status", st, []string{"invited", "active", "deactivated"}); err != nil {
			return f, userCursor{}, err
		}
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	k, err := decodeUserCursor(f.Cursor)
	return f, k, err
}

// likeFolded is a LIKE pattern for text containing q, its wildcards escaped.
func likeFolded(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.TrimSpace(q)) + "%"
}

// userListWhere is the list's condition (after the network's) for the filter's shape (a filter not
// set is not in the text) and its arguments after network and organization.
func userListWhere(f UserList, args []any) (string, []any) {
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	w := ` AND org_id = $2`
	if len(f.Roles) > 0 {
		w += ` AND role = ANY (` + arg(pq.StringArray(f.Roles)) + `)`
	}
	if len(f.Statuses) > 0 {
		w += ` AND status = ANY (` + arg(pq.StringArray(f.Statuses)) + `)`
	}
	if strings.TrimSpace(f.Query) != "" {
		p := arg(likeFolded(f.Query))
		w += ` AND (ph_fold(name) LIKE ph_fold(` + p + `) OR ph_fold(email::text) LIKE ph_fold(` + p + `))`
	}
	return w, args
}

// UserListSQL is the users list's statement for the filter's shape and its
// arguments (exported for the benchmarks, which run the very same SQL).
func UserListSQL(a Actor, f UserList) (string, []any, error) {
	f, k, err := f.checked(a)
	if err != nil {
		return "", nil, err
	}
	q, args := userListSQL(a, f, k)
	return q, args, nil
}

func userListSQL(a Actor, f UserList, k userCursor) (string, []any) {
	where, args := userListWhere(f, []any{a.Network, f.Org})
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	byName := strings.TrimPrefix(f.Sort, "-") == "name"
	desc := !byName // created: newest first
	if strings.HasPrefix(f.Sort, "-") {
		desc = !desc
	}
	if k.Back {
		desc = !desc
	}
	dir, cmp := ``, ` > `
	if desc {
		dir, cmp = ` DESC`, ` < `
	}
	order := ` ORDER BY id` + dir
	if byName {
		order = ` ORDER BY name` + dir + `, id` + dir
	}
	if k.ID != 0 {
		if byName {
			where += ` AND (name, id)` + cmp + `(` + arg(k.Name) + `, ` + arg(k.ID) + `)`
		} else {
			where += ` AND id` + cmp + arg(k.ID)
		}
	}
	return `SELECT ` + userColumns + ` FROM users WHERE network_id = $1` + where + order + ` LIMIT ` + arg(f.Limit+1), args
}

// ListUsers returns a page of the users of an organization (the actor's own;
// the vendor's users may name another), filtered, searched and ordered as f
// says, with the cursors of the pages on either side. Errors: Forbidden,
// Invalid (naming sort, cursor, role or status).
func (s *Service) ListUsers(ctx context.Context, a Actor, f UserList) (UserPage, error) {
	f, k, err := f.checked(a)
	if err != nil {
		return UserPage{}, err
	}
	text, args := userListSQL(a, f, k)
	out, err := readList(ctx, s.DB, a, text, args, f.Limit+1, func(rows *sql.Rows, u *User) error {
		return rows.Scan(&u.Network, &u.ID, &u.Org, &u.Email, &u.Name, &u.Role, &u.Status, &u.Locale, &u.LastLoginAt, &u.CreatedAt)
	})
	if err != nil {
		return UserPage{}, err
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	key := func(u User, back bool) string { return userCursor{Name: u.Name, ID: u.ID, Back: back}.encode() }
	var p UserPage
	if k.Back {
		slices.Reverse(out)
		k.Back = false
		p.Next = k.encode()
		if len(out) > 0 {
			p.Next = key(out[len(out)-1], false)
		}
		if more {
			p.Prev = key(out[0], true)
		}
	} else {
		if more {
			p.Next = key(out[len(out)-1], false)
		}
		if k.ID != 0 {
			k.Back = true
			p.Prev = k.encode()
			if len(out) > 0 {
				p.Prev = key(out[0], true)
			}
		}
	}
	p.Users = out
	return p, nil
}

// CountUsers is how many users the list f holds under its filters and search
// (its cursor and order aside): exact, an organization's people being few.
// Errors: as ListUsers.
func (s *Service) CountUsers(ctx context.Context, a Actor, f UserList) (int, error) {
	f, _, err := f.checked(a)
	if err != nil {
		return 0, err
	}
	where, args := userListWhere(f, []any{a.Network, f.Org})
	var n int
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		st, err := s.DB.Prepared(ctx, tx, `SELECT count(*) FROM users WHERE network_id = $1`+where)
		if err != nil {
			return err
		}
		return st.QueryRowContext(ctx, args...).Scan(&n)
	})
	return n, err
}

// UserChoices are the values present in an organization's users list, for its
// filters: the roles and the statuses its users have.
type UserChoices struct {
	Roles    []string
	Statuses []string
}

// UserListChoices returns the roles and statuses present among the users of
// the list's organization. Errors: Forbidden.
func (s *Service) UserListChoices(ctx context.Context, a Actor, org int64) (UserChoices, error) {
	f, _, err := UserList{Org: org}.checked(a)
	if err != nil {
		return UserChoices{}, err
	}
	var roles, statuses pq.StringArray
	err = s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT coalesce(array_agg(DISTINCT role), '{}'), coalesce(array_agg(DISTINCT status), '{}')
			FROM users WHERE network_id = $1 AND org_id = $2`, a.Network, f.Org).Scan(&roles, &statuses)
	})
	return UserChoices{Roles: roles, Statuses: statuses}, err
}
