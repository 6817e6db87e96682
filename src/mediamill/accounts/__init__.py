"""Who may call the API: access keys that belong to users."""
