package web

import "time"

// Declared is a route's access declaration as the access matrix reads it: API
// routes take their role from the route table unless the declaration names one.
type Declared struct {
	Access
	// Request is the schema of the route's JSON body (API routes), "" if none.
	Request string
	// Paged: an API list route, which takes ?cursor= and ?limit=.
	Paged bool
}

// DeclaredRoutes returns every declaration, keyed by method and full path.
func (s *Server) DeclaredRoutes() map[string]Declared {
	out := map[string]Declared{}
	for k, a := range routeAccess {
		out[k] = Declared{Access: a}
	}
	for _, r := range s.routes {
		k := r.Method + " /api/v1" + r.Path
		d, ok := out[k]
		if !ok {
			continue // the matrix reports the route as undeclared
		}
		if d.Role == "" {
			d.Role = r.Role
		}
		d.Request, d.Paged = r.Request, r.List
		out[k] = d
	}
	return out
}

// CSRFToken is the token a browser with the CSRF cookie seed and the session
// cookie session sends with a form.
func (s *Server) CSRFToken(seed, session string) string { return s.csrfToken(seed, session) }

// LeadFormToken is the public lead form token of a promotion (leadform.go).
func (s *Server) LeadFormToken(network, id int64) string { return s.leadFormToken(network, id) }

// LeadFormStamp is the signed render time of a lead form drawn at at.
func (s *Server) LeadFormStamp(token string, at time.Time) string { return s.leadFormStamp(token, at) }

// RateClaims is how many statements the API rate limit has sent to the shared
// count.
func (s *Server) RateClaims() int64 { return s.rates.claims.Load() }
