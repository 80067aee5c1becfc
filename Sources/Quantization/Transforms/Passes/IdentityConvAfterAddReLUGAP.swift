// Sanitizing pass 16a (reference §5.3): an identity convolution between Add and ReLU when a
// GlobalAveragePooling2D follows.
import KerasGraph

extension Sanitizer {
    public enum IdentityConvAfterAddReLUGAP: SanitizePass {
        public static let name = "insert_add_identity_relu_gap"

        /// (a) `Add → ReLU → GlobalAveragePooling2D`: an identity conv between the Add and the ReLU.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            let adds = pairs(g, first: ["Add"], second: ["ReLU"]).filter { add, relu in
                let next = g.outbound(of: relu)
                return next.count == 1
                    && g[next[0]].map { ["GlobalAveragePooling2D", "GlobalAvgPool2D"].contains(layerClass($0)) } == true
                    && (shapes[add]?.last ?? Int.max) <= maxChannels
            }.map(\.0)
            return try insertIdentityConvs(g, after: adds)
        }
    }
}
