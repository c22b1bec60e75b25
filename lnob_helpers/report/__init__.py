"""Country reports: run the step notebooks with papermill and assemble one HTML (and PDF) file."""
