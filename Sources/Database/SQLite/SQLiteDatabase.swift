import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLiteNIO

/// An SQLite file in WAL mode: one writer connection whose transactions are serialized (`BEGIN IMMEDIATE`),
/// and a few reader connections that run alongside it.
public final class SQLiteDatabase: Sendable {
    public let path: String
    let writer: SQLiteConnection
    let readers: [SQLiteConnection]
    let writeLock = AsyncLock()
    let nextReader = NIOLockedValueBox(0)
    let logger: Logger

    private init(path: String, writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.path = path
        self.writer = writer
        self.readers = readers
        self.logger = logger
    }

    /// Opens (creating it and its folder if needed) the database file.
    public static func open(path: String, readers: Int = 4, logger: Logger) async throws -> SQLiteDatabase {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw DatabaseError(.unavailable, "cannot create the folder for the SQLite database", underlying: error)
            }
        }
        do {
            let writer = try await openConnection(path: path, logger: logger)
            // WAL lets readers run while the writer commits; NORMAL sync is durable at checkpoints and safe in WAL.
            _ = try await writer.query("PRAGMA journal_mode = WAL")
            var readerConnections: [SQLiteConnection] = []
            for _ in 0..<max(1, readers) {
                readerConnections.append(try await openConnection(path: path, logger: logger))
            }
            return SQLiteDatabase(path: path, writer: writer, readers: readerConnections, logger: logger)
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(.unavailable, "cannot open the SQLite database", underlying: SendableError(error))
        }
    }

    private static func openConnection(path: String, logger: Logger) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        // busy_timeout replaces sqlite-nio's spinning busy handler with a sleeping one: another process
        // (a separate worker) may hold the write lock for a moment.
        _ = try await connection.query("PRAGMA busy_timeout = 10000")
        _ = try await connection.query("PRAGMA foreign_keys = ON")
        _ = try await connection.query("PRAGMA synchronous = FULL")
        return connection
    }

    /// Runs `body` outside any transaction on a reader connection.
    public func read<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let index = nextReader.withLockedValue { value in
            value = (value + 1) % readers.count
            return value
        }
        return try await mapErrors { try await body(readers[index]) }
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`), committed when it returns and rolled back when it throws.
    /// The transaction runs in its own task, so a cancelled caller can never leave it open half-way
    /// (a cancelled ROLLBACK would poison the single writer connection for everyone after it).
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let writer = self.writer
        return try await exclusively {
            _ = try await writer.query("BEGIN IMMEDIATE")
            do {
                let value = try await body(writer)
                _ = try await writer.query("COMMIT")
                return value
            } catch {
                _ = try? await writer.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Holds the write lock around `work`, run in an unstructured task that the caller's cancellation cannot reach.
    private func exclusively<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let lock = writeLock
        let task = Task {
            await lock.lock()
            do {
                let value = try await self.mapErrors(work)
                await lock.unlock()
                return value
            } catch {
                await lock.unlock()
                throw error
            }
        }
        return try await task.value
    }

    /// Closes every connection.
    public func close() async {
        try? await writer.close()
        for reader in readers { try? await reader.close() }
    }

    /// Turns driver errors into `DatabaseError` so callers never see SQL or file paths.
    private func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw error
        } catch let error as SQLiteError {
            logger.error("sqlite error", metadata: ["error": "\(error)"])
            throw DatabaseError(.unavailable, "the database failed (\(error.reason))", underlying: SendableError(error))
        }
    }
}

/// Carries a non-Sendable driver error's description across tasks.
public struct SendableError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ error: any Error) { description = String(describing: error) }
}
