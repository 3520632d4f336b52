import ArgumentParser
import Database
import Foundation
import Imaging
import Storage

/// Prints an error as one readable line (several for configuration problems) and gives the exit code.
enum Failure {
    static func report(_ error: any Error, role: String) -> ExitCode {
        let message: String
        switch error {
        case let error as Configuration.Invalid: message = error.description
        case let error as DatabaseError: message = "\(role): \(error.message)"
        case let error as StorageError: message = "\(role): \(error.message)"
        case let error as ImagingError: message = "\(role): \(error.message)"
        default: message = "\(role): \(error)"
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(1)
    }
}
