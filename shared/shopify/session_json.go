package shopify

import (
	"encoding/json"
	"fmt"
)

// UnmarshalJSON reads a token response's associated_user. Shopify sends the
// id as a number; a numeric string is accepted too, since some servers
// (the local emulator among them) quote it, and the id is what names an
// online session.
func (u *OnlineAccessUser) UnmarshalJSON(b []byte) error {
	type plain OnlineAccessUser
	var aux struct {
		plain
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*u = OnlineAccessUser(aux.plain)
	if aux.ID != "" {
		id, err := aux.ID.Int64()
		if err != nil {
			return fmt.Errorf("associated_user.id %q: %w", aux.ID, err)
		}
		u.ID = id
	}
	return nil
}
