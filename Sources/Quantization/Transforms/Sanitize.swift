// The sanitizing passes QuantizeML applies before quantizing (reference §5.3), one type per pass
// in Passes/, each a pure LayerGraph → LayerGraph rewrite, and `sanitize` running them in the
// reference order. Like the reference, a pass that finds an unsupported situation is skipped
// (its input graph is kept); unlike it, the skip is recorded as a note naming the pass, the
// layer and the rule, apart from the reference's warnings.
import KerasGraph

/// Why a pass cannot apply: the layer at fault (when one is) and the rule it breaks.
struct TransformFailure: Error {
    var layer: String?
    var reason: String
}

/// Class name used for pattern matching: a layer inside a nested model keeps the `Nested:` prefix
/// the pipeline gives it, so no transform touches it (the reference treats the nested model as
/// one opaque layer).
func layerClass(_ node: GraphNode) -> String {
    node.className.hasPrefix("Nested:") ? node.className : node.baseClassName
}

public protocol SanitizePass {
    /// The reference's name of the pass.
    static var name: String { get }
    static func apply(_ g: LayerGraph) throws -> LayerGraph
}

/// A pass that was skipped because it could not apply.
public struct SanitizeNote: Equatable, Sendable, CustomStringConvertible {
    public var pass: String
    public var layer: String?
    public var reason: String

    public init(pass: String, layer: String?, reason: String) {
        self.pass = pass
        self.layer = layer
        self.reason = reason
    }

    public var description: String {
        "sanitizing step \(pass) skipped" + (layer.map { " at layer '\($0)'" } ?? "") + ": \(reason)"
    }
}

/// The sanitized graph and the passes that were skipped.
public struct SanitizedGraph {
    public var graph: LayerGraph
    public var notes: [SanitizeNote]
}

public enum Sanitizer {
    /// The passes in reference order.
    public static let passes: [any SanitizePass.Type] = [
        SplitActivations.self, ReplaceActivations.self, ReconstructHardSilu.self, ReplaceConv3D.self,
        ConvToDepthwise.self,
        CollapseReshapes.self,
        AlignRescaling.self, InvertActivationMaxPool.self, InvertBatchNormPooling.self, FoldBatchNorms.self,
        RemoveZeroPadding.self, SplitConcatenate.self, EvenToOddKernels.self, SplitStridedDepthwise.self,
        IdentityConvAfterAddReLUGAP.self, IdentityConvAfterSkips.self, IdentityConvAfterInputBlock.self,
        IdentityConvForSameInbounds.self, IdentityConvsForTwoOutbounds.self,
    ]

    /// Runs every pass; a pass that throws keeps its input graph and leaves a note.
    public static func sanitize(_ graph: LayerGraph) -> SanitizedGraph {
        var result = SanitizedGraph(graph: graph, notes: [])
        for pass in passes {
            do {
                result.graph = try pass.apply(result.graph)
            } catch {
                let failure = error as? TransformFailure
                result.notes.append(
                    SanitizeNote(
                        pass: pass.name, layer: failure?.layer,
                        reason: failure?.reason ?? "\(error)"))
            }
        }
        result.graph = result.graph.inKerasLayerOrder()
        return result
    }
}
