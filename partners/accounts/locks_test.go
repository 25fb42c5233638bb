package accounts_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/partnerhub/partnerhub/partners/accounts"
)

// Changing a contact and archiving its account at the same time must not
// deadlock: both lock the account first, then its contacts.
func TestContactEditsAndAccountArchivesDoNotDeadlock(t *testing.T) {
	w := newWorld(t)
	acc := w.account(w.a, "Locked Corp", "locked.example")
	var contacts []int64
	for i := 0; i < 4; i++ {
		c, err := w.acc.CreateContact(w.ctx, w.a, accounts.ContactInput{Account: &acc.ID, Name: str(fmt.Sprintf("Contact %d", i))})
		if err != nil {
			t.Fatal(err)
		}
		contacts = append(contacts, c.ID)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 12; i++ {
				var err error
				switch (g + i) % 3 {
				case 0:
					_, err = w.acc.UpdateContact(w.ctx, w.a, contacts[(g+i)%len(contacts)], accounts.ContactInput{Title: str(fmt.Sprintf("T%d-%d", g, i))})
				case 1:
					_, err = w.acc.SetArchived(w.ctx, w.a, acc.ID, i%2 == 0)
				default:
					_, err = w.acc.SetContactArchived(w.ctx, w.a, contacts[(g+i)%len(contacts)], i%2 == 0)
				}
				if err != nil {
					errs <- fmt.Errorf("goroutine %d step %d: %w", g, i, err)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
