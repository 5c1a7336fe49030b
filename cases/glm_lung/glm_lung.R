# Logistic regression on survival::lung (NCCTG lung cancer): death within follow-up from age, sex
# and performance scores, with a 70/30 split and pROC's ROC. An example of an ordinary R analysis
# for the parity harness: nothing in it knows about Python. lung.csv is survival::lung exported
# with write.csv(survival::lung, "lung.csv", row.names = FALSE) (R 4.2.2, survival 3.5-3).
library(pROC)

lung <- read.csv("lung.csv")
data <- na.omit(lung[, c("status", "age", "sex", "ph.ecog", "ph.karno", "wt.loss")])
data$dead <- as.integer(data$status == 2)
features <- c("age", "sex", "ph.ecog", "ph.karno", "wt.loss")
x <- scale(data[, features])
event_rows <- which(data$dead == 1)

set.seed(2024)
n <- nrow(data)
train_idx <- sample(seq_len(n), size = floor(0.7 * n))
test_idx <- setdiff(seq_len(n), train_idx)
train <- data.frame(x[train_idx, ], dead = data$dead[train_idx])
test <- data.frame(x[test_idx, ], dead = data$dead[test_idx])

fit <- glm(dead ~ age + sex + ph.ecog + ph.karno + wt.loss, data = train, family = binomial)
summary(fit)
pred <- predict(fit, newdata = test, type = "response")

roc_obj <- roc(test$dead, pred)
auc_value <- as.numeric(auc(roc_obj))
auc_ci <- ci.auc(roc_obj)
best <- coords(roc_obj, "best", best.method = "closest.topleft")
print(best)
