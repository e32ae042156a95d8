import Foundation
import LinearAlgebra
import Tabular

/// `manifest.json`: everything needed to reproduce a run and to check its outputs.
public struct Manifest: Encodable, Sendable {
    public struct FileRecord: Encodable, Sendable {
        public let path: String
        public let sha256: String
        public let bytes: Int
    }
    public struct InputRecord: Encodable, Sendable {
        public let name: String
        public let path: String
        public let sha256: String
        public let bytes: Int
        /// Rows as analysed (after `prepare`), and as read from the file.
        public let rows: Int
        public let rowsRead: Int
        public let columns: [String]
        /// What each `prepare` step did.
        public let preparation: [DataPreparation.Record]
    }
    public struct ConfigRecord: Encodable, Sendable {
        public let path: String
        public let sha256: String
        /// The config file's exact text as run.
        public let text: String
    }
    public struct BLASRecord: Encodable, Sendable {
        public let library: String
        public let loadedLibraries: [String]
        public let configuration: String
        public let core: String
        public let threads: Int
    }

    public let schema = "impacteval/manifest/v1"
    public let impactEvalVersion: String
    public let command: [String]
    public let createdAt: String
    public let config: ConfigRecord
    public let seed: UInt64
    public let threads: Int
    public let inputs: [InputRecord]
    public let blas: BLASRecord
    public let platform: String
    public let outputs: [FileRecord]

    /// The manifest of `output`, given the files already written (relative paths and contents).
    public static func make(_ output: RunOutput, command: [String], threads: Int, files: [(String, Data)]) -> Manifest {
        let formatter = ISO8601DateFormatter()
        return Manifest(
            impactEvalVersion: ImpactEvalVersion.string,
            command: command,
            createdAt: formatter.string(from: Date()),
            config: ConfigRecord(path: output.config.path, sha256: Fingerprint.sha256(output.config.text), text: output.config.text),
            seed: output.config.seed,
            threads: threads,
            inputs: output.inputs.map {
                InputRecord(
                    name: $0.name, path: $0.url.path, sha256: $0.sha256, bytes: $0.bytes,
                    rows: $0.table.rowCount, rowsRead: $0.rowsRead, columns: $0.table.columnNames, preparation: $0.preparation)
            },
            blas: BLASRecord(
                library: BLASLibrary.path, loadedLibraries: BLASLibrary.loadedLibraries, configuration: BLASLibrary.configuration,
                core: BLASLibrary.coreName, threads: BLASLibrary.threadCount),
            platform: ProcessInfo.processInfo.operatingSystemVersionString,
            outputs: files.map { FileRecord(path: $0.0, sha256: Fingerprint.sha256($0.1), bytes: $0.1.count) })
    }
}
