"""Web layer: one blueprint package per audience; views stay thin over services."""
