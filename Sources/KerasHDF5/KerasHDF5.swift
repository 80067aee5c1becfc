// Keras tf_keras 2.x HDF5 model files: reading and writing KerasModelFile through libhdf5.
