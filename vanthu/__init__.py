"""The `vanthu` command line."""
