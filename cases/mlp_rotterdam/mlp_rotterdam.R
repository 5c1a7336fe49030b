# A small multilayer perceptron in R keras on survival::rotterdam (2,982 breast-cancer patients):
# death from age, menopause, tumour size (a factor), grade, nodes and receptors, with a 60/20/20
# split. A second Keras example for the parity harness, with another architecture, optimizer,
# batch size and number of epochs than the article's CNN.
library(survival)
library(keras)

data <- rotterdam
features <- c("age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon", "chemo")
raw <- data[, features]
raw$size <- as.integer(raw$size)  # factor codes: <=20 -> 1, 20-50 -> 2, >50 -> 3
x <- scale(as.matrix(raw))
y <- data$death

set.seed(42)
idx <- sample(nrow(data))
n_train <- floor(0.6 * nrow(data))
n_val <- floor(0.2 * nrow(data))
train <- idx[1:n_train]
val <- idx[(n_train + 1):(n_train + n_val)]
test <- idx[(n_train + n_val + 1):nrow(data)]

model <- keras_model_sequential() %>%
  layer_dense(units = 16, activation = "relu", input_shape = c(length(features))) %>%
  layer_dense(units = 8, activation = "tanh") %>%
  layer_dense(units = 1, activation = "sigmoid")
model %>% compile(optimizer = "rmsprop", loss = "binary_crossentropy", metrics = c("accuracy"))
history <- model %>% fit(x[train, ], y[train], epochs = 15, batch_size = 64,
                         validation_data = list(x[val, ], y[val]), verbose = 0)
scores <- model %>% evaluate(x[test, ], y[test], verbose = 0)
pred <- model %>% predict(x[test, ], verbose = 0)

library(pROC)
roc_obj <- roc(y[test], as.numeric(pred), quiet = TRUE)
auc_value <- as.numeric(auc(roc_obj))
