package demo

import (
	"context"
	"fmt"

	"github.com/partnerhub/partnerhub/exchange/interchange"
	"github.com/partnerhub/partnerhub/internal/db"
	"github.com/partnerhub/partnerhub/partners"
	"github.com/partnerhub/partnerhub/partners/accounts"
)

// demo816 is an 816 Nordic Distribution sends the vendor: two parties, the
// second with a contact.
const demo816 = "ISA*00*          *00*          *ZZ*NORDICDIST     *ZZ*ACMEPARTNERS   *261120*0930*^*00501*000000001*0*P*:~\n" +
	"GS*OR*NORDICDIST*ACMEPARTNERS*20261120*0930*1*X*005010~\nST*816*0001~\nBHT*0001*00*NORDIC-20261120-01*20261120*0930~\n" +
	"N1*41*NORDIC DISTRIBUTION~\nHL*1**1~\nN1*DS*FJORD RETAIL AS*1*987654321~\nHL*2**1~\nN1*DS*AURORA SYSTEMS*1*876543219~\n" +
	"PER*IC*INGRID BERG*EM*ingrid.berg@aurora-systems.example~\nSE*9*0001~\nGE*1*1~\nIEA*1*000000001~\n"

// seedExchange gives the vendor a trading-partner profile for Nordic, an
// 816 received from it and processed (so the exchange log has an entry with
// its sets and acknowledgment), and a webhook subscription.
func seedExchange(ctx context.Context, app *db.DB, admins []partners.Actor) error {
	vendor := admins[0]
	acc := &accounts.Service{DB: app, Partners: &partners.Service{DB: app}}
	ex := interchange.New(app, acc.ImportFamilies(), interchange.AccountMappings()...)
	if _, err := ex.CreateProfile(ctx, vendor, interchange.ProfileInput{Name: "Nordic Distribution (X12)", Format: interchange.X12,
		PartnerQualifier: "ZZ", PartnerID: "NORDICDIST", OwnQualifier: "ZZ", OwnID: "ACMEPARTNERS", Version: "00501", Ack: interchange.Ack997}); err != nil {
		return fmt.Errorf("seed exchange profile: %w", err)
	}
	r, err := ex.Receive(ctx, vendor, "nordic-816.edi", []byte(demo816))
	if err != nil {
		return fmt.Errorf("seed interchange: %w", err)
	}
	if err := ex.Process(ctx, vendor, r.Interchange.ID); err != nil {
		return fmt.Errorf("seed interchange processing: %w", err)
	}
	if _, err := ex.CreateWebhook(ctx, vendor, interchange.WebhookInput{URL: "https://crm.acme.example/hooks/partnerhub", Events: interchange.Events}); err != nil {
		return fmt.Errorf("seed webhook: %w", err)
	}
	return nil
}
