"""ipywidgets building blocks for the Voilà apps (imported only in app mode)."""
