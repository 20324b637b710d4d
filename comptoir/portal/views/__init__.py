"""The customer portal's pages, by topic: lists, creation, the ticket page and what a
customer does on it, the profile. Every read goes through the selectors, every write
through the actions."""
