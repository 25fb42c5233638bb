// Package apperr is the closed set of error kinds the domain packages return. The web
// layer alone maps a kind to an HTTP status; the message is meant for the user.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for the user and the web layer.
type Kind int

// The kinds. Anything that is not an *Error is Internal.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Forbidden
	Conflict
	Unauthorized
	TooMany
	// Unavailable: something the hub depends on (its database) cannot be reached
	// now; the same request may succeed a few seconds later.
	Unavailable
)

// String names the kind as the API's problem type does.
func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not-found"
	case Forbidden:
		return "forbidden"
	case Conflict:
		return "conflict"
	case Unauthorized:
		return "unauthorized"
	case TooMany:
		return "too-many-requests"
	case Unavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is an error with a kind, a message for the user and, where it applies, the
// field (or place) it is about.
type Error struct {
	Kind    Kind
	Message string
	Field   string
	// Link points at a related resource, such as the existing record of a
	// duplicate (an API path; the portal maps it to its page).
	Link string
	Err  error // the cause, for logs; never shown to the user
	// RetryAfter, on a TooMany error, is how long to wait before trying again.
	RetryAfter time.Duration

	// Format and Args are what Message was made from. Format, the English text with
	// its verbs, is also the message's id in the translation catalogs
	// (internal/l10n), so the portal can show the message in the user's language.
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// E makes an error of a kind with a formatted message. The format must be a
// constant: it is the message's id in the translation catalogs.
func E(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Field makes an Invalid error about a named field.
func Field(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// On sets the field (or place) the error is about.
func (e *Error) On(field string) *Error { e.Field = field; return e }

// Linking points the error at a related resource.
func (e *Error) Linking(link string) *Error { e.Link = link; return e }

// After sets how long a TooMany error asks the caller to wait.
func (e *Error) After(d time.Duration) *Error { e.RetryAfter = d; return e }

// Because records the cause, for logs.
func (e *Error) Because(err error) *Error { e.Err = err; return e }

// Translated is the message with it and the messages of any *Error arguments
// translated by tr, which maps an English format to its translation or returns ""
// when it has none.
func (e *Error) Translated(tr func(format string) string) string {
	if e.Format == "" {
		return e.Message
	}
	t := tr(e.Format)
	if t == "" {
		return e.Message
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if inner, ok := a.(error); ok {
			if ie, ok := As(inner); ok {
				a = ie.Text(tr)
			}
		}
		args[i] = a
	}
	return fmt.Sprintf(t, args...)
}

// Text is the error as Error() gives it, translated by tr as in Translated.
func (e *Error) Text(tr func(format string) string) string {
	if e.Field != "" {
		return e.Field + ": " + e.Translated(tr)
	}
	return e.Translated(tr)
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }
