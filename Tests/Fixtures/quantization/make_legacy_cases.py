# Generates the legacy CNN2SNN fixture with the reference stack (cnn2snn 2.19.3, tf_keras 2.19):
# a float model with Conv2D, SeparableConv2D, DepthwiseConv2D and ReLUs quantized by the legacy
# cnn2snn.quantize(8, 4, 4); the quantized .h5, 16 random inputs and `model.predict` outputs.
# Run inside this directory.
import os
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import numpy as np, tf_keras as keras, tensorflow as tf
import cnn2snn

tf.random.set_seed(7); np.random.seed(7)
i = keras.Input((12, 12, 3))
x = keras.layers.Conv2D(8, 3, padding='same')(i)
x = keras.layers.ReLU(6.0)(x)
x = keras.layers.SeparableConv2D(8, 3, padding='same')(x)
x = keras.layers.ReLU(6.0)(x)
x = keras.layers.DepthwiseConv2D(3, padding='same', use_bias=False)(x)
x = keras.layers.ReLU(6.0)(x)
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(5)(x)
m = keras.Model(i, x, name='legacy_mix')
q = cnn2snn.quantize(m, 8, 4, 4)
print([l.__class__.__name__ for l in q.layers])
q.save('legacy_mix.h5', include_optimizer=False)
x = np.random.uniform(0, 1, (16, 12, 12, 3)).astype(np.float32)
np.save('legacy_mix_inputs.npy', x)
np.save('legacy_mix_out.npy', q.predict(x, verbose=0))
