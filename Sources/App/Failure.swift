import ArgumentParser
import Composition
import Database
import Foundation
import Imaging
import Storage

/// Prints an error as one readable line (several for configuration problems) and gives the exit code.
enum Failure {
    static func report(_ error: any Error, role: String) -> ExitCode {
        let text = error is Configuration.Invalid ? message(error) : "\(role): \(message(error))"
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return ExitCode(1)
    }

    /// The readable part of an error, without the type names and driver details meant for logs.
    static func message(_ error: any Error) -> String {
        switch error {
        case let error as Configuration.Invalid: return error.description
        case let error as DatabaseError: return error.message
        case let error as StorageError: return error.message
        case let error as ImagingError: return error.message
        default: return "\(error)"
        }
    }
}
