"""What every page shares: templates, languages, CSRF, forms and navigation."""
