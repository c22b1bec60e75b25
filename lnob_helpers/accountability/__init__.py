"""Step 5 of the guide, "How to advance accountability": scorecards, the human-rights
recommendations tracker, the participation log and the VNR and MAPS checklists."""
