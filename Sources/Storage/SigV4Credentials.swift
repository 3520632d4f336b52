/// The keys a request is signed with: an access key pair and, for temporary credentials, a session token.
public struct SigV4Credentials: Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Never prints the secret or the token, so credentials can be logged by accident without harm.
    public var description: String {
        "SigV4Credentials(accessKeyID: \(accessKeyID), secretAccessKey: ****, sessionToken: \(sessionToken == nil ? "none" : "****"))"
    }
}
