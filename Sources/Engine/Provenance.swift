// Engine: provenance — what SpikeForge writes into every artifact it makes (the quantized .h5's
// `spikeforge_provenance` root attribute, the .fbz metadata section): its version, the reference
// behaviour it reproduces, the operation and its parameters, the parent model's and dataset's
// sha256 and the creation time; and reading it back from either file.
import AkidaFormats
import Foundation
import JSON
import KerasHDF5

public struct Provenance: Sendable {
    /// SpikeForge's version (raised with each release).
    public static let spikeforgeVersion = "0.1.0"
    /// The reference packages whose behaviour SpikeForge reproduces.
    public static let referenceVersions = [("quantizeml", "1.2.5"), ("cnn2snn", "2.19.3"), ("akida", "2.19.3")]

    /// `quantize`, `calibrate` or `convert`.
    public var operation: String
    public var parameters: JSONValue
    public var parentSHA256: String?
    public var datasetSHA256: String?
    public var createdAt: Date

    public init(
        operation: String, parameters: JSONValue, parentSHA256: String?, datasetSHA256: String?,
        createdAt: Date = Date()
    ) {
        self.operation = operation
        self.parameters = parameters
        self.parentSHA256 = parentSHA256
        self.datasetSHA256 = datasetSHA256
        self.createdAt = createdAt
    }

    public var json: JSONValue {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return .object([
            ("spikeforge_version", .string(Provenance.spikeforgeVersion)),
            ("reproduces", .object(Provenance.referenceVersions.map { ($0.0, .string($0.1)) })),
            ("operation", .string(operation)),
            ("parameters", parameters),
            ("parent_model_sha256", parentSHA256.map(JSONValue.string) ?? .null),
            ("dataset_sha256", datasetSHA256.map(JSONValue.string) ?? .null),
            ("created_at", .string(formatter.string(from: createdAt))),
        ])
    }

    /// The provenance stored in a model file (.h5 root attribute or .fbz metadata); nil when it has none.
    public static func read(contentsOf url: URL) throws -> JSONValue? {
        switch try ModelFormat.of(url) {
        case .h5: return try KerasH5.provenance(contentsOf: url).map { try JSONValue(parsing: $0) }
        case .fbz: return try FBZ.decodeWithMetadata([UInt8](Data(contentsOf: url))).metadata?["provenance"]
        case .json: return nil
        }
    }
}
