// HTTPServer: the only code that touches libmicrohttpd; router, requests, responses, problem+json.
