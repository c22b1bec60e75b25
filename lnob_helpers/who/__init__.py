"""Step 1 of the LNOB good practice note: who is left behind, and who is furthest behind.

Modules:
- `tree`: furthest-behind trees (ESCAP's regression-tree method, equal to R rpart "anova"
  with case weights), grown on weighted sums per cell of the circumstances.
- `tree_plot`: a readable diagram of such a tree.
- `dindex`: the dissimilarity index (D-index), the Human Opportunity Index and the Shapley
  contribution of each circumstance to D.
- `disaggregate`: every indicator by circumstance and intersection, in HEAT Plus columns.
- `left_behind`: groups whose whole interval lies on the unfavourable side of the national value.
- `furthest`: one tree per indicator from an analysis, with design-based intervals per node.
- `furthest_summary`: the one furthest-behind group, "left behind" by factor, and why a tree differs.
- `overlaps`: how many deprivations people combine, and groups at the centre of the five factors.
- `evidence`: the evidence log, partner aggregates and triangulation across sources.
- `gaps`: whom the data say nothing about, and why.
- `plots`: dot plots with intervals and the gap heatmap.
- `step1`: the whole Step 1 computation and the outputs it writes for Step 2.
"""
