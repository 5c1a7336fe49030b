# Source: article "机器学习-深度学习:如何使用卷积神经网络精准诊断?"
#   file: shared/seed/000_86c55f629eb23acd.txt
#   sections: 4.1 数据集简介, 4.2 数据预处理, 4.3 模型构建, 4.4 绘制ROC曲线 (the R code only;
#   the printed output under "结果展示:" and the figures are not code and are left out).
# The code below is copied verbatim, including install.packages(), library(reticulate),
# library(keras), print(test_loss) and plot(roc_obj, ...). Do not edit it: it is the subject
# under test. tests/test_article_fixture.py proves it equals the article's code lines.
# It is run by r_reference.runner: install.packages() is neutralised and logged, and
# library(keras)/library(reticulate) are satisfied by the rpy2 keras bridge (keras_bridge.R)
# unless the genuine R keras package is usable.
# ---- end of header; below: the article's code, verbatim ----

library(survival)
str(gbsg)

library(survival)
data <- gbsg
# 分割数据集为特征和标签
features <- data[, c("age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon")]
labels <- data$status
# 对特征数据进行预处理(例如归一化)
preprocessed_features <- scale(features)
# 划分训练集、验证集和测试集
set.seed(123)
train_indices <- sample(x = 1:nrow(data), size = 0.7 * nrow(data), replace = FALSE)
val_indices <- sample(setdiff(1:nrow(data), train_indices), size = 0.15 * nrow(data), replace = FALSE)
test_indices <- setdiff(setdiff(1:nrow(data), train_indices), val_indices)
train_features <- preprocessed_features[train_indices, ]
train_labels <- labels[train_indices]
val_features <- preprocessed_features[val_indices, ]
val_labels <- labels[val_indices]
test_features <- preprocessed_features[test_indices, ]
test_labels <- labels[test_indices]

install.packages("reticulate")
library(reticulate)
library(keras)
# 构建CNN模型
model <- keras_model_sequential()
model %>%
  layer_conv_1d(filters = 32, kernel_size = 3, activation = "relu", input_shape = c(dim(train_features)[2], 1)) %>%
  layer_max_pooling_1d(pool_size = 2) %>%
  layer_flatten() %>%
  layer_dense(units = 64, activation = "relu") %>%
  layer_dense(units = 1, activation = "sigmoid")
# 编译模型
model %>% compile(
  loss = "binary_crossentropy",
  optimizer = "adam",
  metrics = c("accuracy")
)
# 训练模型
history <- model %>% fit(
  x = train_features,
  y = train_labels,
  epochs = 10,
  batch_size = 32,
  validation_data = list(val_features, val_labels)
)
# 模型评估
test_loss <- model %>% evaluate(test_features, test_labels)
print(test_loss)

# 安装和导入pROC库
install.packages("pROC")
library(pROC)
# 使用模型进行预测
predictions <- model %>% predict(test_features)
# 计算ROC曲线的参数
roc_obj <- roc(test_labels, predictions)
plot(roc_obj, col = "blue", main = "ROC Curve", xlab = "False Positive Rate", ylab = "True Positive Rate", print.thres = TRUE, print.auc = TRUE, legacy.axes = TRUE)
