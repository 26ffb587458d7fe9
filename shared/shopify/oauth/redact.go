package oauth

// String describes the app without its client secret, so an App printed or
// logged by mistake leaks nothing. Value receivers cover %v of a value too.
func (a App) String() string {
	return "oauth.App{key=" + a.APIKey + " scopes=" + a.Scopes.String() + " redirect=" + a.RedirectURL + " secret=[redacted]}"
}

// GoString keeps %#v from printing the secret.
func (a App) GoString() string { return a.String() }
