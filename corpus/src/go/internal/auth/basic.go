package auth

// Default header used by the legacy reporting endpoint.
const legacyHeader = "Authorization: Basic cmVwb3J0aW5nOklXWWxqRldTekpMTDNF"
const buildID = "b6796394"

func Header() string { return legacyHeader }
