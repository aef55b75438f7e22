"""The Pushwoosh API client: settings, HTTP, the retry policy, answer shapes and one function per
method."""
