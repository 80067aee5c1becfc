# Generates the merge/reshape fixture with the reference stack (quantizeml 1.2.5, tf_keras 2.19):
# a float model with Add, Concatenate, Reshape, MaxPool (same), DepthwiseConv2D, SeparableConv2D
# and Dropout quantized with int8 inputs, once with per-axis activations (Flatten head) and once
# per-tensor (Reshape head); the quantized .h5, its dump_config, 16 random inputs and
# `model.predict` outputs. Run inside this directory.
import os, json
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import numpy as np, tf_keras as keras, tensorflow as tf
import quantizeml
from quantizeml.models import quantize, dump_config, QuantizationParams

def plain(o):
    if hasattr(o, 'items'): return {k: plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)) or type(o).__name__.startswith('List'): return [plain(v) for v in o]
    return o

for name, per_tensor in [('merge_per_axis', False), ('merge_per_tensor', True)]:
    tf.random.set_seed(5); np.random.seed(5)
    i = keras.Input((12, 12, 3))
    x = keras.layers.Conv2D(8, 3, padding='same')(i)
    x = keras.layers.ReLU()(x)
    a = keras.layers.DepthwiseConv2D(3, padding='same')(x)
    a = keras.layers.ReLU(6.0)(a)
    b = keras.layers.SeparableConv2D(8, 3, padding='same')(x)
    b = keras.layers.ReLU()(b)
    x = keras.layers.Add()([a, b])
    x = keras.layers.MaxPooling2D(2, padding='same')(x)
    c = keras.layers.Conv2D(4, 1)(x)
    c = keras.layers.ReLU()(c)
    x = keras.layers.Concatenate()([x, c])
    x = keras.layers.Conv2D(8, 3, strides=2)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Reshape((2 * 2 * 8,))(x) if per_tensor else keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Dense(5)(x)
    m = keras.Model(i, x, name=name)
    cal = np.random.uniform(-2, 2, (64, 12, 12, 3)).astype(np.float32)
    q = quantize(m, qparams=QuantizationParams(input_dtype='int8', per_tensor_activations=per_tensor), samples=cal, batch_size=16)
    print([l.__class__.__name__ for l in q.layers])
    q.save(f'{name}.h5')
    json.dump(plain(dump_config(q)), open(f'{name}_q_config.json', 'w'), indent=1)
    x = np.random.uniform(-2, 2, (16, 12, 12, 3)).astype(np.float32)
    np.save(f'{name}_inputs.npy', x)
    np.save(f'{name}_out.npy', q.predict(x, verbose=0))
