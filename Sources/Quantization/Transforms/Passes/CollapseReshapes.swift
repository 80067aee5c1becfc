// Sanitizing pass 7 (reference §5.3): of two consecutive Reshape/Flatten layers, the first goes.
import KerasGraph

extension Sanitizer {
    public enum CollapseReshapes: SanitizePass {
        public static let name = "remove_reshape"

        /// Removes the first of two consecutive Reshape/Flatten layers, repeatedly.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            var out = g
            let reshaping: Set<String> = ["Reshape", "Flatten"]
            while let first = out.nodes.first(where: { n in
                guard reshaping.contains(layerClass(n)) else { return false }
                let next = out.outbound(of: n.name)
                return next.count == 1 && !out.isOutput(n.name)
                    && out[next[0]].map { reshaping.contains(layerClass($0)) } == true
            }) {
                out.bypass(first.name)
            }
            return out
        }
    }
}
