// Engine: the few engine types the front ends name, re-exported deliberately one by one (never
// whole modules), so the CLI and the service import Engine alone: the array that carries every
// input, output and dataset, and the Akida generation a conversion targets.
import Conversion
import Tensors

/// An n-dimensional array (inputs, outputs, datasets).
public typealias NDArray = Tensors.NDArray

/// The Akida generation a conversion targets (`v1` or `v2`).
public typealias AkidaTarget = Conversion.AkidaTarget
