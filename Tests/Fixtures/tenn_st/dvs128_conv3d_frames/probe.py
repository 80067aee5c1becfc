import numpy as np, json, tf_keras as keras, quantizeml
from quantizeml.models import quantize, QuantizationParams, dump_config
m = keras.models.load_model('/tmp/tenn_st/tenn_st_dvs128/model.h5')
rng = np.random.default_rng(5)
frames = rng.integers(-8, 9, size=(8, 16, 16, 2)).astype(np.int8)
x = rng.integers(-8, 9, size=(4, 16, 16, 2)).astype(np.int8)
np.save('frames.npy', frames); np.save('x.npy', x)
q = quantize(m, qparams=QuantizationParams(), samples=frames, num_samples=8, batch_size=4)
json.dump(dump_config(q), open('q_config.json', 'w'))
np.save('quant_out.npy', q.predict(x, verbose=0))
q.save('quantized.h5', include_optimizer=False)
