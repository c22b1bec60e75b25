"""Step 3 of the guide, "What should be done?": an action catalogue linked to Step 2's causes
and gaps, a prioritisation matrix and coverage warnings."""
