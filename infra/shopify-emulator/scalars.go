package emulator

import (
	"encoding/json"
	"fmt"
)

// Custom scalars of the Admin API. Each is its Go string (or JSON value) and
// marshals as JSON the way Shopify sends it.

// DateTime is an ISO 8601 UTC timestamp, e.g. "2024-05-01T10:00:00Z".
type DateTime string

// ImplementsGraphQLType maps the type to the schema scalar.
func (DateTime) ImplementsGraphQLType(name string) bool { return name == "DateTime" }

// UnmarshalGraphQL accepts a string.
func (d *DateTime) UnmarshalGraphQL(in any) error { return unmarshalString(in, (*string)(d)) }

// URL is an absolute URL.
type URL string

// ImplementsGraphQLType maps the type to the schema scalar.
func (URL) ImplementsGraphQLType(name string) bool { return name == "URL" }

// UnmarshalGraphQL accepts a string.
func (u *URL) UnmarshalGraphQL(in any) error { return unmarshalString(in, (*string)(u)) }

// HTML is an HTML fragment.
type HTML string

// ImplementsGraphQLType maps the type to the schema scalar.
func (HTML) ImplementsGraphQLType(name string) bool { return name == "HTML" }

// UnmarshalGraphQL accepts a string.
func (h *HTML) UnmarshalGraphQL(in any) error { return unmarshalString(in, (*string)(h)) }

// Money is a decimal amount in the shop's currency, sent as a string ("19.99").
type Money string

// ImplementsGraphQLType maps the type to the schema scalar.
func (Money) ImplementsGraphQLType(name string) bool { return name == "Money" }

// UnmarshalGraphQL accepts a string or a number.
func (m *Money) UnmarshalGraphQL(in any) error { return unmarshalDecimal(in, (*string)(m)) }

// Decimal is a decimal number sent as a string.
type Decimal string

// ImplementsGraphQLType maps the type to the schema scalar.
func (Decimal) ImplementsGraphQLType(name string) bool { return name == "Decimal" }

// UnmarshalGraphQL accepts a string or a number.
func (d *Decimal) UnmarshalGraphQL(in any) error { return unmarshalDecimal(in, (*string)(d)) }

// JSONValue is the JSON scalar: any JSON value, sent as itself.
type JSONValue struct{ V any }

// ImplementsGraphQLType maps the type to the schema scalar.
func (JSONValue) ImplementsGraphQLType(name string) bool { return name == "JSON" }

// UnmarshalGraphQL keeps the value as given.
func (j *JSONValue) UnmarshalGraphQL(in any) error { j.V = in; return nil }

// MarshalJSON writes the value itself.
func (j JSONValue) MarshalJSON() ([]byte, error) { return json.Marshal(j.V) }

func unmarshalString(in any, out *string) error {
	s, ok := in.(string)
	if !ok {
		return fmt.Errorf("expected a string, got %T", in)
	}
	*out = s
	return nil
}

func unmarshalDecimal(in any, out *string) error {
	switch v := in.(type) {
	case string:
		*out = v
	case float64:
		*out = fmt.Sprintf("%.2f", v)
	case int32:
		*out = fmt.Sprintf("%d.0", v)
	case int64:
		*out = fmt.Sprintf("%d.0", v)
	case int:
		*out = fmt.Sprintf("%d.0", v)
	default:
		return fmt.Errorf("expected a decimal, got %T", in)
	}
	return nil
}

// UnsignedInt64 is a 64-bit unsigned integer sent as a string.
type UnsignedInt64 string

// ImplementsGraphQLType maps the type to the schema scalar.
func (UnsignedInt64) ImplementsGraphQLType(name string) bool { return name == "UnsignedInt64" }

// UnmarshalGraphQL accepts a string or a number.
func (u *UnsignedInt64) UnmarshalGraphQL(in any) error {
	switch v := in.(type) {
	case string:
		*u = UnsignedInt64(v)
	case float64:
		*u = UnsignedInt64(fmt.Sprintf("%.0f", v))
	case int32:
		*u = UnsignedInt64(fmt.Sprint(v))
	case int64:
		*u = UnsignedInt64(fmt.Sprint(v))
	case int:
		*u = UnsignedInt64(fmt.Sprint(v))
	default:
		return fmt.Errorf("expected an unsigned integer, got %T", in)
	}
	return nil
}
