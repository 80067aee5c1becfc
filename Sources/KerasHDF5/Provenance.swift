// KerasHDF5: the provenance root attribute SpikeForge adds to the .h5 files it writes — one UTF-8
// JSON string that tf_keras and quantizeml ignore when they load the model.
import CHDF5
import Foundation

extension KerasH5 {
    public static let provenanceAttribute = "spikeforge_provenance"

    /// The provenance JSON text of a .h5 file, nil when it has none.
    public static func provenance(contentsOf url: URL, limits: KerasH5Limits = .default) throws -> String? {
        let raw = try HDF5RawFile(url: url)
        try HDF5Structure.validate(raw)
        return try HDF5.locked {
            let file = H5Fopen(url.path, chdf5_acc_rdonly(), HDF5.pDefault)
            try HDF5.check(file) { .notHDF5("libhdf5 cannot open it: \($0)") }
            defer { H5Fclose(file) }
            return try HDF5.strings(file, provenanceAttribute, what: "root", file: raw, limits: limits)?.first
        }
    }
}
