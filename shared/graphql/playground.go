package graphql

import "net/http"

// playgroundHTML is GraphiQL, pinned, from unpkg. It posts to the page's own
// URL (so it works under an API Gateway stage prefix) with the headers typed
// in its Headers tab: an API key goes there as Authorization: Bearer <key>.
const playgroundHTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Flux GraphQL</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading the Flux GraphQL playground…</div>
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
  <script>
    const url = window.location.origin + window.location.pathname.replace(/\/+$/, '');
    const fetcher = GraphiQL.createFetcher({ url });
    const defaultQuery = [
      '# Put your API key in the Headers tab below:',
      '#   { "Authorization": "Bearer flx_..." }',
      '',
      'query {',
      '  config {',
      '    storeGroup {',
      '      name',
      '      stores {',
      '        domain',
      '        classification',
      '      }',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n');
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery,
        defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
        defaultEditorToolsVisibility: 'headers',
      }),
    );
  </script>
</body>
</html>
`

func servePlayground(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; "+
		"script-src 'unsafe-inline' https://unpkg.com; "+
		"style-src 'unsafe-inline' https://unpkg.com; "+
		"img-src 'self' data: https://unpkg.com; font-src https://unpkg.com data:; "+
		"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(playgroundHTML))
	}
}
