module conformance/twsclient

go 1.22
