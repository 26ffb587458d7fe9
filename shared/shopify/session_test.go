package shopify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func withNow(t *testing.T, at time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

func ptime(t time.Time) *time.Time { return &t }

func offlineSession() Session {
	return Session{
		ID: OfflineSessionID("demo-source.myshopify.com"), Shop: "demo-source.myshopify.com",
		State: "st-1", Scope: "write_products,read_orders",
		Expires:     ptime(fixedNow.Add(time.Hour)),
		AccessToken: "shpat_secret_token_value", RefreshToken: "shprt_secret_refresh",
		RefreshTokenExpires: ptime(fixedNow.Add(90 * 24 * time.Hour)),
	}
}

func onlineSession() Session {
	return Session{
		ID: OnlineSessionID("demo-source.myshopify.com", 42), Shop: "demo-source.myshopify.com",
		State: "st-2", IsOnline: true, Scope: "read_products",
		Expires: ptime(fixedNow.Add(24 * time.Hour)), AccessToken: "shpua_secret_online",
		OnlineAccessInfo: &OnlineAccessInfo{
			ExpiresIn: 86399, AssociatedUserScope: "read_products",
			AssociatedUser: OnlineAccessUser{ID: 42, FirstName: "Ada", LastName: "Lovelace",
				Email: "ada@example.com", EmailVerified: true, AccountOwner: true, Locale: "en", Collaborator: false},
		},
	}
}

func TestSessionIDs(t *testing.T) {
	if got := OfflineSessionID("a.myshopify.com"); got != "offline_a.myshopify.com" {
		t.Errorf("offline id %q", got)
	}
	if got := OnlineSessionID("a.myshopify.com", 42); got != "a.myshopify.com_42" {
		t.Errorf("online id %q", got)
	}
}

func TestSessionIsExpired(t *testing.T) {
	withNow(t, fixedNow)
	tests := []struct {
		name    string
		expires *time.Time
		within  time.Duration
		want    bool
	}{
		{"no expiry", nil, time.Hour, false},
		{"future", ptime(fixedNow.Add(time.Hour)), 0, false},
		{"past", ptime(fixedNow.Add(-time.Second)), 0, true},
		{"within margin", ptime(fixedNow.Add(4 * time.Minute)), 5 * time.Minute, true},
		{"outside margin", ptime(fixedNow.Add(6 * time.Minute)), 5 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Session{Expires: tt.expires}
			if got := s.IsExpired(tt.within); got != tt.want {
				t.Errorf("IsExpired(%v) = %v, want %v", tt.within, got, tt.want)
			}
		})
	}
}

func TestSessionIsActive(t *testing.T) {
	withNow(t, fixedNow)
	scopes := ParseAuthScopes("read_orders,write_products")
	tests := []struct {
		name   string
		mutate func(*Session)
		want   bool
	}{
		{"active", func(*Session) {}, true},
		{"no token", func(s *Session) { s.AccessToken = "" }, false},
		{"expired", func(s *Session) { s.Expires = ptime(fixedNow.Add(-time.Minute)) }, false},
		{"scopes changed", func(s *Session) { s.Scope = "read_products" }, false},
		{"implied scope spelled out", func(s *Session) { s.Scope = "write_products,read_products,read_orders" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := offlineSession()
			tt.mutate(&s)
			if got := s.IsActive(scopes); got != tt.want {
				t.Errorf("IsActive = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSessionIsRefreshable(t *testing.T) {
	withNow(t, fixedNow)
	s := offlineSession()
	if !s.IsRefreshable() {
		t.Error("fresh refresh token not refreshable")
	}
	s.RefreshTokenExpires = ptime(fixedNow.Add(-time.Second))
	if s.IsRefreshable() {
		t.Error("expired refresh token refreshable")
	}
	s.RefreshToken = ""
	if s.IsRefreshable() {
		t.Error("no refresh token refreshable")
	}
}

func TestSessionPropertyArrayRoundTrip(t *testing.T) {
	for name, s := range map[string]Session{"offline": offlineSession(), "online": onlineSession(), "minimal": {ID: "offline_x.myshopify.com", Shop: "x.myshopify.com"}} {
		t.Run(name, func(t *testing.T) {
			// Through JSON too, as storage would: numbers come back as json.Number.
			b, err := json.Marshal(s.ToPropertyArray(true))
			if err != nil {
				t.Fatal(err)
			}
			var props []Property
			if err := json.Unmarshal(b, &props); err != nil {
				t.Fatal(err)
			}
			got, err := SessionFromPropertyArray(props, true)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(s, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if !got.Equals(s) {
				t.Error("Equals false after round trip")
			}
		})
	}
}

func TestSessionPropertyArrayForm(t *testing.T) {
	s := onlineSession()
	want := []Property{
		{"id", "demo-source.myshopify.com_42"}, {"shop", "demo-source.myshopify.com"}, {"state", "st-2"},
		{"isOnline", true}, {"scope", "read_products"}, {"expires", fixedNow.Add(24 * time.Hour).UnixMilli()},
		{"accessToken", "shpua_secret_online"}, {"onlineAccessInfo", int64(42)},
	}
	if diff := cmp.Diff(want, s.ToPropertyArray(false)); diff != "" {
		t.Errorf("ToPropertyArray(false) (-want +got):\n%s", diff)
	}
	// Without user data only the user id comes back, as in seed 003.
	got, err := SessionFromPropertyArray(s.ToPropertyArray(false), false)
	if err != nil {
		t.Fatal(err)
	}
	if got.OnlineAccessInfo == nil || got.OnlineAccessInfo.AssociatedUser.ID != 42 || got.OnlineAccessInfo.AssociatedUser.Email != "" {
		t.Errorf("online info %+v", got.OnlineAccessInfo)
	}
}

func TestSessionFromPropertyArrayLenient(t *testing.T) {
	exp := fixedNow.UnixMilli()
	tests := []struct {
		name  string
		props []Property
		want  Session
		err   bool
	}{
		{"keys any case, isOnline string", []Property{{"ID", "a.myshopify.com_1"}, {"Shop", "a.myshopify.com"}, {"ISONLINE", "TRUE"}, {"AccessToken", "t"}, {"userid", "1"}},
			Session{ID: "a.myshopify.com_1", Shop: "a.myshopify.com", IsOnline: true, AccessToken: "t",
				OnlineAccessInfo: &OnlineAccessInfo{AssociatedUser: OnlineAccessUser{ID: 1}}}, false},
		{"isOnline number, expires float", []Property{{"id", "offline_a.myshopify.com"}, {"shop", "a.myshopify.com"}, {"isOnline", float64(0)}, {"expires", float64(exp)}},
			Session{ID: "offline_a.myshopify.com", Shop: "a.myshopify.com", Expires: ptime(fixedNow)}, false},
		{"nil values skipped, unknown keys ignored", []Property{{"id", "offline_a.myshopify.com"}, {"shop", "a.myshopify.com"}, {"scope", nil}, {"colour", "red"}},
			Session{ID: "offline_a.myshopify.com", Shop: "a.myshopify.com"}, false},
		{"missing shop", []Property{{"id", "x"}}, Session{}, true},
		{"bad expires", []Property{{"id", "x"}, {"shop", "a.myshopify.com"}, {"expires", "soon"}}, Session{}, true},
		{"bad user id", []Property{{"id", "x"}, {"shop", "a.myshopify.com"}, {"onlineAccessInfo", 1.5}}, Session{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SessionFromPropertyArray(tt.props, true)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSessionEquals(t *testing.T) {
	a, b := offlineSession(), offlineSession()
	if !a.Equals(b) {
		t.Fatal("identical sessions differ")
	}
	b.AccessToken = "other"
	if a.Equals(b) {
		t.Error("different tokens equal")
	}
	c := onlineSession()
	d := onlineSession()
	d.OnlineAccessInfo.AssociatedUser.Email = "x@example.com"
	if c.Equals(d) {
		t.Error("different users equal")
	}
}

func TestSessionNeverPrintsTokens(t *testing.T) {
	s := onlineSession()
	s.RefreshToken = "shprt_refresh_secret"
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("session", "s", s, "p", &s)
	outputs := map[string]string{
		"String": s.String(), "%v": fmt.Sprintf("%v", s), "%+v": fmt.Sprintf("%+v", s),
		"%#v": fmt.Sprintf("%#v", s), "%v ptr": fmt.Sprintf("%v", &s), "slog": logBuf.String(),
	}
	for name, out := range outputs {
		for _, secret := range []string{s.AccessToken, s.RefreshToken} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output contains a token: %s", name, out)
			}
		}
		if !strings.Contains(out, "demo-source.myshopify.com") {
			t.Errorf("%s output lacks the shop: %s", name, out)
		}
	}
}

func FuzzSessionFromPropertyArray(f *testing.F) {
	seed := func(s Session) []byte { b, _ := json.Marshal(s.ToPropertyArray(true)); return b }
	f.Add(seed(offlineSession()))
	f.Add(seed(onlineSession()))
	f.Add([]byte(`[["id","x"],["shop","a.myshopify.com"],["isOnline","1"],["expires",1e300]]`))
	f.Add([]byte(`[["id",1],["shop",true],["userId","-9"]]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var props []Property
		if json.Unmarshal(b, &props) != nil {
			return
		}
		s, err := SessionFromPropertyArray(props, true)
		if err != nil {
			return
		}
		// Whatever was accepted must round-trip through its own storage form.
		back, err := SessionFromPropertyArray(s.ToPropertyArray(true), true)
		if err != nil {
			t.Fatalf("own form rejected: %v", err)
		}
		if !back.Equals(s) {
			t.Fatalf("round trip changed the session: %v vs %v", s, back)
		}
	})
}

func TestOnlineAccessUserJSON(t *testing.T) {
	tests := []struct {
		in   string
		want OnlineAccessUser
		err  bool
	}{
		{`{"id":902541635,"first_name":"John","email":"john@example.com","account_owner":true}`,
			OnlineAccessUser{ID: 902541635, FirstName: "John", Email: "john@example.com", AccountOwner: true}, false},
		{`{"id":"42","locale":"en"}`, OnlineAccessUser{ID: 42, Locale: "en"}, false},
		{`{"first_name":"No id"}`, OnlineAccessUser{FirstName: "No id"}, false},
		{`{"id":"x"}`, OnlineAccessUser{}, true},
		{`{"id":1.5}`, OnlineAccessUser{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got OnlineAccessUser
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if !tt.err {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}
