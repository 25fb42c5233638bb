package mail

import (
	"strconv"
	"testing"
)

// TestIDTable interns more ids than the table first holds (so that it
// grows several times) and finds each again at its index.
func TestIDTable(t *testing.T) {
	st := &scopeState{ids: newIDTable(0)}
	const n = 5000
	for i := range n {
		id := strconv.Itoa(i) + "@x"
		if k := st.node(id); k != int32(i) {
			t.Fatalf("new id %s got index %d, want %d", id, k, i)
		}
		if k := st.node(id); k != int32(i) {
			t.Fatalf("id %s found at %d, want %d", id, k, i)
		}
	}
	for i := range n {
		if k := st.node(strconv.Itoa(i) + "@x"); k != int32(i) {
			t.Fatalf("after growing, id %d found at %d", i, k)
		}
	}
	if len(st.names) != n || 2*st.ids.n > len(st.ids.slots) {
		t.Errorf("%d names, table %d of %d slots", len(st.names), st.ids.n, len(st.ids.slots))
	}
}
