"""Step 1 of the LNOB good practice note: who is left behind, and who is furthest behind.

Modules:
- `tree`: furthest-behind trees (ESCAP's regression-tree method, equal to R rpart "anova"
  with case weights), grown on weighted sums per cell of the circumstances.
- `tree_plot`: a readable diagram of such a tree.
- `dindex`: the dissimilarity index (D-index), the Human Opportunity Index and the Shapley
  contribution of each circumstance to D.
"""
