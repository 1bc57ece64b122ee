"""Reading raw ECS documents into the bronze schema, with quarantine for what cannot be read."""
