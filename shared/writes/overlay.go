package writes

import (
	"encoding/json"

	"github.com/flux-platform/flux/shared/platform"
)

// Overlay lays the fields of input (canonical JSON) over cur, an object's
// current canonical form: objects merge key by key, lists of objects that
// all have a "key" (field definitions) merge element by key, anything else
// is input's. Fields input leaves out keep cur's values; the result is the
// body a write of input means for that object.
func Overlay(cur, input []byte) ([]byte, error) {
	var c, in any
	if err := json.Unmarshal(cur, &c); err != nil {
		return nil, platform.Wrap(platform.KindInternal, "decode current object", err)
	}
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, platform.Wrap(platform.KindValidation, "decode input", err)
	}
	b, err := json.Marshal(overlay(c, in))
	if err != nil {
		return nil, platform.Wrap(platform.KindInternal, "encode overlay", err)
	}
	return b, nil
}

func overlay(cur, in any) any {
	switch x := in.(type) {
	case map[string]any:
		cm, ok := cur.(map[string]any)
		if !ok {
			return in
		}
		out := make(map[string]any, len(cm)+len(x))
		for k, v := range cm {
			out[k] = v
		}
		for k, v := range x {
			out[k] = overlay(cm[k], v)
		}
		return out
	case []any:
		cl, ok := cur.([]any)
		if !ok {
			return in
		}
		byKey := map[string]any{}
		for _, e := range cl {
			if k, ok := keyOf(e); ok {
				byKey[k] = e
			}
		}
		out := make([]any, len(x))
		for i, e := range x {
			if k, ok := keyOf(e); ok {
				out[i] = overlay(byKey[k], e)
				continue
			}
			out[i] = e
		}
		return out
	}
	return in
}

func keyOf(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	k, ok := m["key"].(string)
	return k, ok
}
