package edi

// InterchangeResult is what validation found in one interchange: its
// envelope, its groups and sets, and their errors with the acknowledgment
// codes. Acknowledgments (NewAckTA1, NewAck997, NewAck999, NewAckCONTRL) are
// built from it.
type InterchangeResult struct {
	Standard      Standard       `json:"standard"`
	Delimiters    Delimiters     `json:"delimiters"`
	ServiceAdvice bool           `json:"una,omitempty"`
	Control       string         `json:"control"` // ISA13 / UNB 0020
	SenderQual    string         `json:"sender_qualifier,omitempty"`
	Sender        string         `json:"sender"` // trimmed
	ReceiverQual  string         `json:"receiver_qualifier,omitempty"`
	Receiver      string         `json:"receiver"`
	Date          string         `json:"date"`    // ISA09 (YYMMDD) / UNB S004 0017
	Time          string         `json:"time"`    // ISA10 / UNB S004 0019
	Version       string         `json:"version"` // ISA12 / UNB syntax identifier and version, e.g. "UNOC:3"
	AckRequested  bool           `json:"ack_requested"`
	Test          bool           `json:"test,omitempty"`
	Offset        int64          `json:"offset"`
	Header        *SegmentData   `json:"-"`
	Note          string         `json:"note"` // TA105 note code ("000" none) or UCI 0085 code ("" none)
	Errors        []*Error       `json:"errors,omitempty"`
	Groups        []*GroupResult `json:"groups,omitempty"`
	Sets          []*SetResult   `json:"sets,omitempty"` // EDIFACT messages not in a UNG group
	Complete      bool           `json:"complete"`       // the trailer was read
}

// GroupResult is the validation of one functional group (GS/GE, UNG/UNE).
type GroupResult struct {
	FunctionalID string       `json:"functional_id"` // GS01 / UNG 0038
	Control      string       `json:"control"`       // GS06 / UNG 0048
	Version      string       `json:"version"`       // GS08
	Sender       string       `json:"sender"`
	Receiver     string       `json:"receiver"`
	Offset       int64        `json:"offset"`
	Header       *SegmentData `json:"-"`
	Included     int          `json:"included"` // GE01 / UNE 0060 as stated (-1 when missing)
	Errors       []*Error     `json:"errors,omitempty"`
	Codes        []string     `json:"codes,omitempty"` // AK905–AK909
	Ack          string       `json:"ack"`             // AK901: A, E, P or R
	Sets         []*SetResult `json:"sets,omitempty"`
}

// SetResult is the validation of one transaction set or message.
type SetResult struct {
	ID         string        `json:"id"`                   // ST01 / UNH S009 0065
	Control    string        `json:"control"`              // ST02 / UNH 0062
	Convention string        `json:"convention,omitempty"` // ST03 (5010) / UNH S009 as "D:96A:UN:EAN008"
	Defined    bool          `json:"defined"`              // the package has a definition for it
	Offset     int64         `json:"offset"`
	Segments   int           `json:"segments"` // counted, header and trailer included
	Header     *SegmentData  `json:"-"`
	Errors     []*Error      `json:"errors,omitempty"`
	Codes      []string      `json:"codes,omitempty"`         // AK502–AK506 / UCM 0085
	Guide      string        `json:"guide,omitempty"`         // the implementation convention applied
	Unit       *BusinessUnit `json:"business_unit,omitempty"` // its business unit identifier, when found
	Ack        string        `json:"ack"`                     // AK501: A or R
}

// Accepted reports whether the set has no error.
func (s *SetResult) Accepted() bool { return s.Ack == "A" || s.Ack == "E" }

// OK reports whether the interchange, its groups and its sets have no error.
func (r *InterchangeResult) OK() bool {
	if len(r.Errors) > 0 {
		return false
	}
	for _, g := range r.Groups {
		if g.Ack != "A" {
			return false
		}
	}
	for _, s := range r.Sets {
		if !s.Accepted() || len(s.Errors) > 0 {
			return false
		}
	}
	return true
}

// AllErrors returns every error of the interchange in document order of
// levels: interchange, then each group with its sets.
func (r *InterchangeResult) AllErrors() []*Error {
	var out []*Error
	out = append(out, r.Errors...)
	for _, s := range r.Sets {
		out = append(out, s.Errors...)
	}
	for _, g := range r.Groups {
		out = append(out, g.Errors...)
		for _, s := range g.Sets {
			out = append(out, s.Errors...)
		}
	}
	return out
}

func (s *SetResult) addCode(c string) {
	for _, x := range s.Codes {
		if x == c {
			return
		}
	}
	if len(s.Codes) < 5 {
		s.Codes = append(s.Codes, c)
	}
}

func (g *GroupResult) addCode(c string) {
	for _, x := range g.Codes {
		if x == c {
			return
		}
	}
	if len(g.Codes) < 5 {
		g.Codes = append(g.Codes, c)
	}
}
