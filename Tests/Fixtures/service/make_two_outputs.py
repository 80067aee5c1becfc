# Two-output float model for the streaming infer tests (run with the reference Python: tf_keras 2.19).
import numpy as np, tf_keras as keras
keras.utils.set_random_seed(3)
inp = keras.Input((6, 6, 2), name="image")
x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inp)
scores = keras.layers.Dense(5, name="scores")(keras.layers.Flatten(name="flat")(x))
pooled = keras.layers.GlobalAveragePooling2D(name="pooled")(x)
model = keras.Model(inp, [scores, pooled], name="two_outputs")
model.save("two_outputs.h5", include_optimizer=False, save_format="h5")
rng = np.random.default_rng(5)
inputs = rng.standard_normal((37, 6, 6, 2)).astype(np.float32)
np.save("two_outputs_inputs.npy", inputs)
