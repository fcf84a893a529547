"""Email intake: mailbox clients, MIME decoding, quote stripping, answer parsing and mail sending."""
