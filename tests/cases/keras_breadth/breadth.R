# The R keras API the rpy2 bridge answers, in one script (tests/test_bridge.py runs it once with a
# case seed of 42 and compares every model with a native Keras port built by the same calls).
library(keras)

set.seed(2024)
n <- 240
x <- matrix(rnorm(n * 6), n, 6)
y <- as.integer(x[, 1] - 0.5 * x[, 2] + rnorm(n, sd = 0.7) > 0)

# R keras 2.x does not export set_random_seed(): before library(tensorflow) it is not found.
err_seed_before_tf <- tryCatch(set_random_seed(1), error = conditionMessage)

# 1. A sequential MLP: the case seed applies here, just before the model is built.
build_mlp <- function() {
  keras_model_sequential() %>%
    layer_dense(units = 16, input_shape = c(6), kernel_initializer = "he_normal",
                kernel_regularizer = regularizer_l2(0.001)) %>%
    layer_batch_normalization() %>%
    layer_activation("relu") %>%
    layer_dropout(rate = 0.3) %>%
    layer_dense(units = 8, kernel_regularizer = regularizer_l1_l2(l1 = 0.001, l2 = 0.001)) %>%
    layer_activation_leaky_relu(alpha = 0.1) %>%
    layer_dropout(rate = 0.2, seed = 11) %>%
    layer_dense(units = 1, activation = "sigmoid")
}
mlp <- build_mlp()
mlp_init <- get_weights(mlp)
mlp %>% compile(optimizer = optimizer_adam(learning_rate = 0.01), loss = loss_binary_crossentropy(),
                metrics = list("accuracy", metric_auc()))
mlp_hist <- mlp %>% fit(x, y, epochs = 40, batch_size = 32, validation_split = 0.25, verbose = 0,
                        class_weight = list("0" = 1, "1" = 1.5), shuffle = TRUE,
                        callbacks = list(callback_early_stopping(monitor = "val_loss", patience = 2,
                                                                 min_delta = 0.002, mode = "min",
                                                                 restore_best_weights = TRUE)))
mlp_pred <- predict(mlp, x, batch_size = 64, verbose = 0)
mlp_score <- evaluate(mlp, x, y, batch_size = 64, verbose = 0)
mlp_params <- count_params(mlp)
mlp_params_dollar <- mlp$count_params()

# 2. The script's own seed: tensorflow::set_random_seed(42) gives the case seed's weights, and
#    seeds R's RNG as R's tensorflow does.
library(tensorflow)
tensorflow::set_random_seed(42)
r_draws_after_seed <- runif(3)
mlp2 <- build_mlp()
mlp2_init <- get_weights(mlp2)
set_weights(mlp2, mlp_init)
roundtrip <- identical(get_weights(mlp2), mlp_init)

# 3. The functional API, optimizer_sgd() with R keras's legacy `lr`, to_categorical().
set_random_seed(7)
inputs <- layer_input(shape = c(6))
outputs <- inputs %>%
  layer_reshape(target_shape = c(6, 1)) %>%
  layer_conv_1d(filters = 4, kernel_size = 3, activation = "relu") %>%
  layer_average_pooling_1d(pool_size = 2) %>%
  layer_global_max_pooling_1d() %>%
  layer_dense(units = 3) %>%
  layer_activation_softmax()
fmodel <- keras_model(inputs, outputs)
y3 <- to_categorical(y + (x[, 3] > 1), num_classes = 3)
fmodel %>% compile(optimizer = optimizer_sgd(lr = 0.05, momentum = 0.9),
                   loss = "categorical_crossentropy", metrics = "accuracy")
f_hist <- fmodel %>% fit(x, y3, epochs = 3, batch_size = 32, verbose = 0, shuffle = FALSE)
f_pred <- predict(fmodel, x, verbose = 0)

# 4. A small 2-D CNN on 4 x 4 "images" (array_reshape, as R keras users shape MNIST).
set_random_seed(3)
imgs <- array_reshape(x[, c(1:6, 1:6, 1:4)], c(n, 4, 4, 1))
cnn <- keras_model_sequential() %>%
  layer_conv_2d(filters = 2, kernel_size = c(2, 2), input_shape = c(4, 4, 1)) %>%
  layer_activation_relu() %>%
  layer_max_pooling_2d(pool_size = c(2, 2)) %>%
  layer_global_average_pooling_2d() %>%
  layer_dense(units = 1, activation = "sigmoid")
cnn %>% compile(optimizer = optimizer_rmsprop(learning_rate = 0.005), loss = loss_binary_crossentropy,
                metrics = metric_binary_accuracy)
cnn_hist <- cnn %>% fit(imgs, y, epochs = 2, verbose = 0)
cnn_pred <- predict(cnn, imgs, verbose = 0)

# 5. Objects made and not trained (their Keras calls are checked).
other_objects <- list(optimizer_adagrad(learning_rate = 0.02), optimizer_nadam(),
                      loss_mean_squared_error(), loss_huber(delta = 2),
                      loss_categorical_crossentropy(label_smoothing = 0.1),
                      metric_precision(), metric_recall(thresholds = 0.4), regularizer_l1(0.02))
other_reprs <- vapply(other_objects, function(o) o$repr, "")

# 6. What the bridge refuses, each naming itself.
err_arg <- tryCatch(optimizer_adam(learning_rate = 0.01, decay = 1e-4), error = conditionMessage)
err_layer_arg <- tryCatch(layer_dense(mlp2, units = 1, weights = list(1)), error = conditionMessage)
err_unused <- tryCatch(layer_max_pooling_1d(mlp2, input_shape = c(6, 1)), error = conditionMessage)
err_fit_arg <- tryCatch(fit(mlp2, x, y, validation_freq = 2), error = conditionMessage)
err_fn <- tryCatch(mlp2 %>% layer_lstm(units = 4), error = conditionMessage)
err_ns <- tryCatch(keras::callback_model_checkpoint("best.h5"), error = conditionMessage)
err_session <- tryCatch(use_session_with_seed(42), error = conditionMessage)
k_clear_session()
