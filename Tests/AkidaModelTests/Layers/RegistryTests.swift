// The registry table: one definition per layer type, declaring every parameter and variable
// akida writes for it in the corpus models.
import AkidaModel
import XCTest

final class RegistryTests: XCTestCase {
    func testEveryLayerTypeHasItsOwnDefinition() {
        for type in AkidaLayerType.allCases {
            XCTAssertEqual(type.definition.type, type)
        }
        let abbreviated = AkidaLayerType.allCases.filter { $0.summaryName != $0.rawValue }.map(\.summaryName)
        XCTAssertEqual(Set(abbreviated), ["InputConv.", "Conv.", "Sep.Conv.", "Fully."])
    }

    func testDefinitionsDeclareEveryParameterAndVariableOfTheCorpus() throws {
        for c in try AkidaCase.all() {
            for layer in try c.model().layers {
                let definition = layer.type.definition
                for key in layer.parameters.keys {
                    XCTAssertNotNil(definition.parameter(named: key), "\(c.label) \(layer.type.rawValue): \(key)")
                }
                for (key, v) in layer.variables {
                    let spec = definition.variable(named: key)
                    XCTAssertEqual(spec?.dtype, v.dtype, "\(c.label) \(layer.type.rawValue): \(key)")
                }
            }
        }
    }

    func testErrorsSpeakTheUserFacingVocabulary() {
        let missing = AkidaModelError.missingParameter(layer: "conv", parameter: "filters")
        XCTAssertEqual(missing.problemType, .invalidAkidaModel)
        XCTAssertEqual(missing.layer, "conv")
        XCTAssertEqual(missing.rule, "missing-parameter")
        XCTAssertEqual(missing.description, "layer 'conv': missing parameter 'filters'")
        XCTAssertEqual(AkidaModelError.invalidInput("x").problemType, .invalidInput)
    }
}
