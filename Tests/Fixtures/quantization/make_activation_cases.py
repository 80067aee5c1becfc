# Generates the QuantizedActivation fixtures with the reference stack (quantizeml 1.2.5, tf_keras 2.19):
# a small float model per activation quantized with int8 inputs and per-tensor activations; the
# quantized .h5, 16 random inputs and `model.predict` outputs. Run inside this directory.
import os
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import numpy as np, tf_keras as keras, tensorflow as tf
import quantizeml
from quantizeml.models import quantize, QuantizationParams
for act in ['gelu', 'swish', 'leaky']:
    tf.random.set_seed(3); np.random.seed(3)
    i = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(8, 3, padding='same')(i)
    if act == 'leaky':
        x = keras.layers.LeakyReLU(0.1)(x)
    else:
        x = keras.layers.Activation(act)(x)
    x = keras.layers.Conv2D(8, 1)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(4)(x)
    m = keras.Model(i, x, name='act_' + act)
    cal = np.random.uniform(-2, 2, (32, 8, 8, 3)).astype(np.float32)
    q = quantize(m, qparams=QuantizationParams(input_dtype='int8', per_tensor_activations=True), samples=cal, batch_size=8)
    print(act, [l.__class__.__name__ for l in q.layers])
    q.save(f'activation_{act}.h5')
    x = np.random.uniform(-2, 2, (16, 8, 8, 3)).astype(np.float32)
    np.save(f'activation_{act}_inputs.npy', x)
    np.save(f'activation_{act}_out.npy', q.predict(x, verbose=0))
