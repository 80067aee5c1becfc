import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Tensors
import TestSupport
// Robustness: model configs with every number replaced by hostile values must end in a result
// or a thrown error — never a crash, a hang or an absurd allocation.
import XCTest

final class MutatedConfigTests: XCTestCase {
    /// Paths (keys and indices) of every number in `value`.
    func numberPaths(_ value: JSONValue, _ prefix: [JSONPathStep] = []) -> [[JSONPathStep]] {
        switch value {
        case .integer, .float: return [prefix]
        case .array(let items):
            return items.enumerated().flatMap { numberPaths($1, prefix + [.index($0)]) }
        case .object(let pairs):
            return pairs.flatMap { numberPaths($1, prefix + [.key($0)]) }
        default: return []
        }
    }

    enum JSONPathStep { case key(String), index(Int) }

    func replacing(_ value: JSONValue, at path: ArraySlice<JSONPathStep>, with new: JSONValue) -> JSONValue {
        guard let step = path.first else { return new }
        switch (step, value) {
        case (.key(let k), .object(var pairs)):
            if let i = pairs.firstIndex(where: { $0.0 == k }) {
                pairs[i].1 = replacing(pairs[i].1, at: path.dropFirst(), with: new)
            }
            return .object(pairs)
        case (.index(let i), .array(var items)) where items.indices.contains(i):
            items[i] = replacing(items[i], at: path.dropFirst(), with: new)
            return .array(items)
        default:
            return value
        }
    }

    func testHostileNumbersNeverCrash() throws {
        let hostile: [JSONValue] = [
            .number(0), .number(-1), .number(7), .number(1e12), .number(4.6e18), .number(0.5),
            .null, .string("x"), .array([]),
        ]
        var outcomes = (built: 0, refused: 0, ran: 0)
        for name in ["float_zoo", "residual_add", "nested_model"] {
            let dir = Fixtures.corpusCase(name)
            let file = try KerasH5.read(dir.appendingPathComponent("model.h5"))
            let inputs = try NPY.read(contentsOf: dir.appendingPathComponent("inputs.npy"))
            for path in numberPaths(file.modelConfig) {
                for value in hostile {
                    var mutated = file
                    mutated.modelConfig = replacing(file.modelConfig, at: path[...], with: value)
                    do {
                        let graph = try LayerGraph(file: mutated)
                        _ = try? KerasSummary.text(graph: graph)
                        let model = try FloatModel(graph: graph)
                        outcomes.built += 1
                        if (try? model.predict([inputs])) != nil { outcomes.ran += 1 }
                    } catch {
                        outcomes.refused += 1
                        XCTAssertFalse("\(error)".isEmpty)
                    }
                }
            }
        }
        XCTAssertGreaterThan(outcomes.refused, 0)
        XCTAssertGreaterThan(outcomes.ran, 0)
        print("mutated configs: \(outcomes.built) built (\(outcomes.ran) ran), \(outcomes.refused) refused")
    }
}
