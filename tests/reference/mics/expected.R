# Reference values for tests/test_mics_reference.py, computed with R `survey` (Lumley).
#
# Data: ch.csv, a MICS-format under-five file written by tests/realformat.py (write_mics,
# seed 6, 50 clusters; columns kept as listed in tests/reference/README.md). Incomplete
# interviews (UF17 != 1) keep their rows with chweight = 0 and blank answers, as MICS ships
# them; stratum 8 holds a single PSU.
#
# Run from this folder:  Rscript expected.R   (writes expected.csv)
#
# The design keeps the zero-weight rows, so their PSUs count in the variance exactly as
# in the data as shipped. Each indicator is coded here the way the workbook's analysis.yaml
# defines it, and every domain is a subset() of the full design (never of the data).

library(survey)
options(survey.lonely.psu = "adjust")

ch <- read.csv("ch.csv")
design <- svydesign(ids = ~PSU, strata = ~stratum, weights = ~chweight, nest = TRUE, data = ch)
df <- degf(design)

# Birth registration (any_of): certificate (BR1 1, 2) or registered (BR2 1); 8 = DK is missing.
# 1 if one item says registered, 0 if an item is known and none does, NA if none is known.
br1_known <- !is.na(ch$BR1) & ch$BR1 != 8
br2_known <- !is.na(ch$BR2) & ch$BR2 != 8
registered <- ifelse((br1_known & ch$BR1 %in% c(1, 2)) | (br2_known & ch$BR2 %in% 1), 1,
                     ifelse(br1_known | br2_known, 0, NA))

# Early childhood education (category_map UB8 1 -> 1, 2 -> 0; 8 missing), with the skip
# pattern: UB8 is asked only if UB7 = 1, so a blank UB8 with UB7 = 2 counts as 0.
ece <- ifelse(ch$UB8 %in% 1, 1, ifelse(ch$UB8 %in% 2, 0, NA))
ece[is.na(ece) & ch$UB7 %in% 2] <- 0

# Stunting (threshold HAZ2 < -2) with the codes 99.97-99.99 missing.
haz <- ifelse(ch$HAZ2 %in% c(99.97, 99.98, 99.99), NA, ch$HAZ2)
stunted <- as.numeric(haz < -2)

design <- update(design, registered = registered, ece = ece, stunted = stunted)

# Reference population of each indicator: all children; children 36-59 months; height-for-age
# not flagged (HAZFLAG = 0). NA indicator values are left out of numerator and denominator.
cases <- list(
  list(indicator = "birth_registration", variable = "registered", by = "windex5",
       keep = rep(TRUE, nrow(ch))),
  list(indicator = "early_education", variable = "ece", by = "HH6",
       keep = !is.na(ch$CAGE) & ch$CAGE >= 36 & ch$CAGE <= 59),
  list(indicator = "stunting", variable = "stunted", by = "HL4",
       keep = ch$HAZFLAG %in% 0)
)

one <- function(d, indicator, variable, domain) {
  f <- as.formula(paste0("~", variable))
  m <- svymean(f, d)
  ci <- svyciprop(f, d, method = "logit", df = df)
  data.frame(case = "mics_ch", indicator = indicator, domain = domain,
             estimate = unname(coef(m)), se = unname(SE(m)),
             ci_low = unname(attr(ci, "ci")[1]), ci_high = unname(attr(ci, "ci")[2]),
             design_df = df)
}

rows <- list()
for (case in cases) {
  y <- design$variables[[case$variable]]
  inside <- case$keep & !is.na(y)
  d <- subset(design, inside)
  rows[[length(rows) + 1]] <- one(d, case$indicator, case$variable, "all")
  for (level in sort(unique(ch[[case$by]][inside]))) {
    dl <- subset(design, inside & ch[[case$by]] %in% level)
    rows[[length(rows) + 1]] <- one(dl, case$indicator, case$variable, paste0(case$by, "=", level))
  }
}
expected <- do.call(rbind, rows)
write.csv(expected, "expected.csv", row.names = FALSE)
cat("design df", df, "; PSUs", length(unique(ch$PSU)), "; strata", length(unique(ch$stratum)), "\n")
