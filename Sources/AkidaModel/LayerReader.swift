// Checked access to one layer's parameters and variables while it compiles: every failure names
// the layer, and absent variables take the default its registry entry declares.

struct LayerReader {
    let layer: AkidaLayer
    let definition: any SimulatedLayer.Type
    /// Indices of the inbound layers in the compiled model.
    let inbounds: [Int]
    let inShapes: [[Int]]
    let inDTypes: [AkidaOutputDType]
    let isFirst: Bool
    /// The shape the layer reads: the model input for the first layer, else its first inbound's.
    let inShape: [Int]

    var channels: Int { inShape[2] }

    func fail(_ reason: String) -> AkidaModelError { .invalidLayer(layer: layer.name, reason: reason) }

    /// A parameter, within a range that keeps every size computation far from overflow.
    func p(_ key: String) throws -> Int {
        let v = try layer.parameter(key)
        guard (-1...maxParameter).contains(v) else { throw fail("parameter '\(key)' = \(v) is out of range") }
        return v
    }

    /// A bitwidth parameter, within the range its registry entry declares (1...32 by default).
    func bits(_ key: String) throws -> Int {
        let v = try p(key)
        let range = definition.parameter(named: key)?.validRange ?? 1...32
        guard range.contains(v) else {
            throw fail("parameter '\(key)' = \(v) must be in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    func dims(_ shape: [Int], _ what: String) throws -> [Int] {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) <= maxElements else {
            throw fail("\(what) \(shape) must be 3 positive dimensions of at most \(maxElements) elements")
        }
        return shape
    }

    /// `count` integers of a variable, or its declared default when absent.
    func ints(_ key: String, count: Int) throws -> [Int64] {
        guard let v = layer.variables[key] else {
            if let value = definition.variable(named: key)?.defaultValue {
                return [Int64](repeating: value, count: count)
            }
            throw AkidaModelError.missingVariable(layer: layer.name, variable: key)
        }
        let data = v.integers.map(Int64.init)
        guard !v.dtype.isFloatingPoint, data.count == count else {
            throw fail("variable '\(key)' must hold \(count) integers, has shape \(v.shape) of \(v.dtype.rawValue)")
        }
        return data
    }

    func floats(_ key: String, count: Int) throws -> [Float] {
        let v = try layer.variable(key)
        guard v.values.count == count else {
            throw fail("variable '\(key)' must hold \(count) values, has shape \(v.shape)")
        }
        return v.floats
    }

    /// A scalar or per-channel integer variable, as one value per channel.
    func perChannel(_ key: String) throws -> [Int] {
        let count = layer.variables[key]?.values.count ?? 1
        guard count == 1 || count == channels else {
            throw fail("variable '\(key)' must hold 1 or \(channels) values, has \(count)")
        }
        let v = try ints(key, count: count).map { Int($0) }
        return count == 1 ? [Int](repeating: v[0], count: channels) : v
    }

    /// The compiled form of this layer.
    func compiled(_ step: any LayerStep, outShape: [Int], outDType: AkidaOutputDType) -> CompiledLayer {
        CompiledLayer(name: layer.name, inbounds: inbounds, step: step, outShape: outShape, outDType: outDType)
    }
}
