"""Step 2 of the guide, "Why?": prioritise the left-behind groups, then trace causes, roles
and capacity gaps (problem trees, role-pattern and capacity-gap analysis)."""
